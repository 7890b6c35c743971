package ratelimit_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/memory"
)

func ExampleMiddleware() {
	m, err := ratelimit.New(ratelimit.Config{
		Policies: []ratelimit.Policy{{Key: "ip", Limit: ratelimit.Limit{Rate: 2, Period: time.Minute, Burst: 2}}},
		Store:    memory.Store{},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for range 3 {
		r := httptest.NewRequest("GET", "/", nil) // no clientip middleware: keyed by the TCP peer
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%d %s retry-after=%q\n", w.Code, w.Header().Get("RateLimit"), w.Header().Get("Retry-After"))
	}
	// Output:
	// 200 limit=2, remaining=1, reset=30 retry-after=""
	// 200 limit=2, remaining=0, reset=60 retry-after=""
	// 429 limit=2, remaining=0, reset=60 retry-after="30"
}

// Wrong: a policy keyed by subject placed before authentication sees no
// principal, so it limits every request by IP instead; two users behind one
// address then share one budget. Chain authentication first:
// rampart.Chain(app, authn.Handler, m.Handler).
func ExampleMiddleware_wrongOrder() {
	m, _ := ratelimit.New(ratelimit.Config{
		Policies: []ratelimit.Policy{{Key: "subject", Limit: ratelimit.PerMinute(1)}},
		Store:    memory.Store{},
	})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, user := range []string{"alice", "bob"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer token-of-"+user) // not yet verified
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(user, w.Code)
	}
	// Output:
	// alice 200
	// bob 429
}
