package audit_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
)

func TestEmit(t *testing.T) {
	var buf bytes.Buffer
	l := audit.NewLogger(slog.NewJSONHandler(&buf, nil))
	r := httptest.NewRequest("GET", "/api/notes/7", nil)
	r.Header.Set("Authorization", "Bearer secret-token")
	r, info := rampart.WithInfo(r)
	info.RequestID = "rid"
	info.ClientIP = netip.MustParseAddr("203.0.113.9")
	info.Route = "/api/notes/{id}"
	info.Principal = &rampart.Principal{Subject: "alice"}
	l.Emit(r, audit.Event{Name: audit.AuthzDenied, Reason: "not owner", OWASP: audit.OWASPBOLA, Status: 403})

	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON line: %v: %s", err, buf.String())
	}
	want := map[string]any{
		"event": "authz.denied", "reason": "not owner", "owasp": "API1:2023", "status": float64(403),
		"request_id": "rid", "client_ip": "203.0.113.9", "route": "/api/notes/{id}", "subject": "alice",
		"method": "GET", "path": "/api/notes/7",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if bytes.Contains(buf.Bytes(), []byte("secret-token")) {
		t.Fatal("event carries the token")
	}
}

func TestNilLoggerDiscards(t *testing.T) {
	var l *audit.Logger
	l.Emit(httptest.NewRequest("GET", "/", nil), audit.Event{Name: "x"}) // must not panic
	if audit.NewLogger(nil) != nil {
		t.Fatal("NewLogger(nil) should be nil")
	}
}
