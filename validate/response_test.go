package validate_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/validate"
)

func upstream(status int, contentType, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

func TestResponses(t *testing.T) {
	leak := `{"id":1,"username":"ada","email":"ada@example.com","role":"user","password_hash":"$2a$10$secrethash"}`
	order := `{"id":9,"internal_margin":0.4,"customer":{"name":"Ada","email":"a@x","ssn":"123-45-6789"},` +
		`"lines":[{"sku":"A","qty":1,"cost":3},{"sku":"B","supplier":{"id":2}}],"payment":{"card_last4":"4242","card_pan":"4242424242424242"},"extra":{"gift":"yes"}}`
	tests := []struct {
		name, doc, path string
		mode            validate.Mode
		status          int
		contentType     string
		body            string
		wantStatus      int
		wantBody        string
		removed         []string
	}{
		{"password_hash filtered", "testdata/demo-openapi.yaml", "/api/users/1", validate.Filter, 200, "application/json", leak, 200,
			`{"email":"ada@example.com","id":1,"role":"user","username":"ada"}`, []string{"/password_hash"}},
		{"password_hash filtered 3.1", "testdata/demo-openapi-3.1.yaml", "/api/users/1", validate.Filter, 200, "application/json", leak, 200,
			`{"email":"ada@example.com","id":1,"role":"user","username":"ada"}`, []string{"/password_hash"}},
		{"nested objects, arrays, allOf and oneOf", "testdata/rules.yaml", "/api/orders/9", validate.Filter, 200, "application/json", order, 200,
			`{"customer":{"email":"a@x","name":"Ada"},"extra":{"gift":"yes"},"id":9,"lines":[{"qty":1,"sku":"A"},{"sku":"B"}],"payment":{"card_last4":"4242"}}`,
			[]string{"/customer/ssn", "/internal_margin", "/lines/0/cost", "/lines/1/supplier", "/payment/card_pan"}},
		{"a repeated name cannot hide a property", "testdata/demo-openapi.yaml", "/api/users/1", validate.Filter, 200, "application/json",
			`{"username":{"password_hash":"$2a$10$secrethash"},"id":1,"username":"ada"}`, 200, `{"id":1,"username":"ada"}`, nil},
		{"clean response untouched", "testdata/demo-openapi.yaml", "/api/health", validate.Filter, 200, "application/json", `{"status": "ok"}`, 200, `{"status": "ok"}`, nil},
		{"report leaves the body", "testdata/demo-openapi.yaml", "/api/users/1", validate.Report, 200, "application/json", leak, 200, leak, []string{"/password_hash"}},
		{"enforce filters then validates", "testdata/demo-openapi.yaml", "/api/users/1", validate.Enforce, 200, "application/json", leak, 200,
			`{"email":"ada@example.com","id":1,"role":"user","username":"ada"}`, []string{"/password_hash"}},
		{"enforce sends a repeated name as it validated it", "testdata/demo-openapi.yaml", "/api/health", validate.Enforce, 200, "application/json",
			`{"status":"degraded","status":"ok"}`, 200, `{"status":"ok"}`, nil},
		{"writeOnly properties filtered", "testdata/writeonly.yaml", "/api/accounts/1", validate.Filter, 200, "application/json",
			`{"id":1,"name":"a","password":"secrethash","card":{"last4":"4242","pan":"4242424242426789"}}`, 200,
			`{"card":{"last4":"4242"},"id":1,"name":"a"}`, []string{"/card/pan", "/password"}},
		{"a property a branch declares writeOnly is filtered", "testdata/writeonly.yaml", "/api/profile", validate.Filter, 200, "application/json",
			`{"name":"a","password":"secrethash"}`, 200, `{"name":"a"}`, []string{"/password"}},
		{"enforce filters writeOnly properties then validates", "testdata/writeonly.yaml", "/api/accounts/1", validate.Enforce, 200, "application/json",
			`{"id":1,"name":"a","password":"secrethash"}`, 200, `{"id":1,"name":"a"}`, []string{"/password"}},
		{"enforce refuses a wrong type", "testdata/demo-openapi.yaml", "/api/health", validate.Enforce, 200, "application/json", `{"status":"degraded"}`, 502, "", nil},
		{"undocumented 2xx fails closed", "testdata/demo-openapi.yaml", "/api/users/1", validate.Filter, 203, "application/json", leak, 502, "", nil},
		{"JSON that is not JSON", "testdata/demo-openapi.yaml", "/api/users/1", validate.Filter, 200, "application/json", `{"id":1,`, 502, "", nil},
		{"array where an object is declared", "testdata/demo-openapi.yaml", "/api/users/1", validate.Filter, 200, "application/json", `[` + leak + `]`, 502, "", nil},
		{"error status without schema passes", "testdata/demo-openapi.yaml", "/api/health", validate.Filter, 500, "application/json", `{"error":"x"}`, 500, `{"error":"x"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events bytes.Buffer
			v := newValidator(t, tt.doc, validate.Config{Responses: tt.mode, Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
			w := httptest.NewRecorder()
			v.Handler(upstream(tt.status, tt.contentType, tt.body)).ServeHTTP(w, httptest.NewRequest("GET", tt.path, nil))
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Fatalf("body = %s\nwant   %s", w.Body, tt.wantBody)
			}
			if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(w.Body.Len()) {
				t.Fatalf("Content-Length = %s, body is %d bytes", cl, w.Body.Len())
			}
			if strings.Contains(events.String(), "secrethash") || strings.Contains(events.String(), "6789") {
				t.Fatalf("event carries a value: %s", events.String())
			}
			if tt.removed == nil {
				if strings.Contains(events.String(), audit.ResponseFiltered) {
					t.Fatalf("unexpected filter event: %s", events.String())
				}
				return
			}
			var ev struct{ Fields []string }
			for _, line := range strings.Split(strings.TrimSpace(events.String()), "\n") {
				if strings.Contains(line, audit.ResponseFiltered) {
					_ = json.Unmarshal([]byte(line), &ev)
				}
			}
			got := append([]string(nil), ev.Fields...)
			sortStrings(got)
			if strings.Join(got, ",") != strings.Join(tt.removed, ",") {
				t.Fatalf("removed = %q, want %q", got, tt.removed)
			}
		})
	}
}

func TestResponseBufferCap(t *testing.T) {
	body := `{"status":"` + strings.Repeat("o", 100) + `"}`
	for _, tt := range []struct {
		mode validate.Mode
		want int
	}{{validate.Filter, 502}, {validate.Report, 200}} {
		v := newValidator(t, "testdata/demo-openapi.yaml", validate.Config{Responses: tt.mode, MaxResponseBody: 32})
		w := httptest.NewRecorder()
		v.Handler(upstream(200, "application/json", body)).ServeHTTP(w, httptest.NewRequest("GET", "/api/health", nil))
		if w.Code != tt.want {
			t.Fatalf("%s: status = %d, want %d", tt.mode, w.Code, tt.want)
		}
		if tt.want == 200 && w.Body.String() != body {
			t.Fatalf("report mode changed the body")
		}
	}
}

func TestCompressedResponseFailsClosed(t *testing.T) {
	v := newValidator(t, "testdata/demo-openapi.yaml", validate.Config{})
	h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "" {
			t.Error("Accept-Encoding reached the upstream")
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write([]byte{0x1f, 0x8b})
	}))
	r := httptest.NewRequest("GET", "/api/users/1", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 502 {
		t.Fatalf("status = %d, want 502", w.Code)
	}
}

// A coding in a second Content-Encoding field applies as much as one in
// the first: the body is not checked as the client will read it.
func TestStackedContentEncodingFailsClosed(t *testing.T) {
	for _, mode := range []validate.Mode{validate.Filter, validate.Enforce} {
		v := newValidator(t, "testdata/demo-openapi.yaml", validate.Config{Responses: mode})
		h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Add("Content-Encoding", "identity")
			w.Header().Add("Content-Encoding", "br")
			_, _ = w.Write([]byte(`{"status":"ok"}`))
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/health", nil))
		if w.Code != 502 {
			t.Fatalf("%s: status = %d, want 502", mode, w.Code)
		}
		if ce := w.Header().Values("Content-Encoding"); len(ce) != 0 {
			t.Fatalf("%s: Content-Encoding %q left on the refusal", mode, ce)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
