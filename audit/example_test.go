package audit_test

import (
	"log/slog"
	"net/http/httptest"
	"os"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
)

func ExampleLogger_Emit() {
	// Drop the time so that the output is stable; a real logger keeps it.
	h := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})
	events := audit.NewLogger(h)

	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/7", nil))
	info.RequestID = "req-42"
	events.Emit(r, audit.Event{Name: audit.AuthFailed, Reason: "token expired", OWASP: audit.OWASPAuth})
	// Output:
	// {"level":"WARN","msg":"security event","event":"auth.failed","reason":"token expired","owasp":"API2:2023","method":"GET","path":"/api/notes/7","request_id":"req-42"}
}
