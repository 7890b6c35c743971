package console_test

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/console"
)

// A console observes the events and outcomes the logs record, subscribed
// to their hub as a gateway's [gateway.Options.Hub] feeds it, and is mounted on a listener that checks a token for everything but the
// page and its assets.
func Example() {
	c, err := console.New(console.Config{})
	if err != nil {
		panic(err)
	}
	hub := audit.NewHub()
	hub.Subscribe(c)
	events := audit.NewLogger(slog.NewJSONHandler(os.Stderr, nil)).Observed(hub)
	var off *audit.AccessLog
	access := off.Observed(hub) // access log off, still counted

	token := "a-long-random-admin-token"
	admin := http.NewServeMux()
	admin.Handle("/console/", http.StripPrefix("/console", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !console.Public(r) && subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		c.Handler().ServeHTTP(w, r)
	})))

	// The gateway refuses a request: one event, one access line.
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/users/2", nil))
	info.RequestID, info.Route = "req-1", "/api/users/{uid}"
	events.Emit(r, audit.Event{Name: audit.AuthzDenied, Reason: "not owner", OWASP: audit.OWASPBOLA, Status: 403})
	access.Log(r, 403, 0, 0)

	s := c.Summarize(60)
	fmt.Println(s.Totals.Requests, "request,", s.Totals.Refusals, "refusal:", s.ByEvent[0].Name, s.ByOWASP[0].ID, s.ByOWASP[0].Count)

	// Without the token the data stays closed; the page itself loads.
	for _, path := range []string{"/console/", "/console/api/summary"} {
		w := httptest.NewRecorder()
		admin.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, w.Code)
	}
	// Output:
	// 1 request, 1 refusal: authz.denied API1:2023 1
	// /console/ 200
	// /console/api/summary 401
}
