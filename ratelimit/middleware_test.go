package ratelimit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/memory"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

func request(ip, route string, p *rampart.Principal) *http.Request {
	r := httptest.NewRequest("GET", "/api/x", nil)
	r.Header.Set("X-Api-Key", "sk_live_secret")
	r, info := rampart.WithInfo(r)
	info.ClientIP = netip.MustParseAddr(ip)
	info.Route = route
	info.Principal = p
	return r
}

func newMiddleware(t *testing.T, cfg ratelimit.Config) (http.Handler, *bytes.Buffer, *clock) {
	t.Helper()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	var events bytes.Buffer
	cfg.Events = audit.NewLogger(slog.NewJSONHandler(&events, nil))
	if cfg.Store == nil {
		cfg.Store = memory.Store{Now: c.now}
	}
	cfg.Now = c.now
	m, err := ratelimit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m.Handler(ok), &events, c
}

func TestTooManyRequests(t *testing.T) {
	h, events, _ := newMiddleware(t, ratelimit.Config{
		Policies:      []ratelimit.Policy{{Key: "ip", Limit: ratelimit.Limit{Rate: 100, Period: 15 * time.Minute, Burst: 100}}},
		LegacyHeaders: true,
	})
	var w *httptest.ResponseRecorder
	for i := range 100 {
		w = httptest.NewRecorder()
		h.ServeHTTP(w, request("203.0.113.7", "/api/x", nil))
		if w.Code != http.StatusNoContent {
			t.Fatalf("request %d: %d", i+1, w.Code)
		}
	}
	if got := w.Header().Get("RateLimit"); got != "limit=100, remaining=0, reset=900" {
		t.Fatalf("RateLimit = %q", got)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, request("203.0.113.7", "/api/x", nil))
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("101st: %d", w.Code)
	}
	want := map[string]string{
		"Content-Type":          "application/problem+json",
		"Retry-After":           "9",
		"RateLimit-Policy":      "100;w=900",
		"RateLimit":             "limit=100, remaining=0, reset=900",
		"X-RateLimit-Limit":     "100",
		"X-RateLimit-Remaining": "0",
		"X-RateLimit-Reset":     "1700000900",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["status"] != 429.0 {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	if strings.Contains(w.Body.String(), "100/") {
		t.Fatalf("body reveals the rule: %s", w.Body)
	}
	if got := strings.Count(events.String(), `"event":"ratelimit.exceeded"`); got != 1 {
		t.Fatalf("%d ratelimit.exceeded events:\n%s", got, events)
	}
	if !strings.Contains(events.String(), `"owasp":"API4:2023"`) || strings.Contains(events.String(), "sk_live_secret") {
		t.Fatalf("bad event: %s", events)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, request("203.0.113.8", "/api/x", nil))
	if w.Code != http.StatusNoContent {
		t.Fatalf("another client refused: %d", w.Code)
	}
}

func TestSeveralPolicies(t *testing.T) {
	h, _, c := newMiddleware(t, ratelimit.Config{Policies: []ratelimit.Policy{
		{Key: "ip", Limit: ratelimit.Limit{Rate: 1, Period: time.Second, Burst: 3}},
		{Key: "ip", Limit: ratelimit.PerHour(5)},
	}})
	codes := func(n int) (s []int) {
		for range n {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, request("203.0.113.7", "", nil))
			s = append(s, w.Code)
		}
		return s
	}
	if got := codes(4); got[2] != 204 || got[3] != 429 {
		t.Fatalf("burst: %v", got)
	}
	c.t = c.t.Add(time.Minute)
	// The burst is back, but only 2 of the hourly 5 remain.
	if got := codes(3); got[1] != 204 || got[2] != 429 {
		t.Fatalf("quota: %v", got)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, request("203.0.113.7", "", nil))
	if got := w.Header().Get("RateLimit-Policy"); got != "3;w=1, 5;w=3600" {
		t.Fatalf("RateLimit-Policy = %q", got)
	}
}

func TestPerRouteAndSubjectFallback(t *testing.T) {
	h, _, _ := newMiddleware(t, ratelimit.Config{Policies: []ratelimit.Policy{
		{Key: "subject", PerRoute: true, Limit: ratelimit.PerHour(1)},
	}})
	alice := &rampart.Principal{Subject: "alice"}
	tests := []struct {
		name string
		r    *http.Request
		want int
	}{
		{"alice on /a", request("203.0.113.7", "/a", alice), 204},
		{"alice on /a again", request("198.51.100.1", "/a", alice), 429},
		{"alice on /b counts apart", request("203.0.113.7", "/b", alice), 204},
		{"anonymous falls back to its IP", request("203.0.113.7", "/a", nil), 204},
		{"anonymous cannot escape by dropping credentials", request("203.0.113.7", "/a", nil), 429},
		{"a subject named like an IP key does not collide", request("203.0.113.9", "/a", &rampart.Principal{Subject: "ip:203.0.113.7"}), 204},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, tt.r)
		if w.Code != tt.want {
			t.Fatalf("%s: %d, want %d", tt.name, w.Code, tt.want)
		}
	}
}

func TestHeadersNone(t *testing.T) {
	h, _, _ := newMiddleware(t, ratelimit.Config{Headers: ratelimit.HeadersNone, Policies: []ratelimit.Policy{{Limit: ratelimit.PerHour(1)}}})
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, request("203.0.113.7", "", nil))
		if w.Header().Get("RateLimit") != "" || w.Header().Get("RateLimit-Policy") != "" {
			t.Fatal("headers sent with HeadersNone")
		}
		if w.Code == 429 && w.Header().Get("Retry-After") != "3600" {
			t.Fatalf("Retry-After = %q", w.Header().Get("Retry-After"))
		}
	}
}

func TestZeroValuePassesThrough(t *testing.T) {
	m, err := ratelimit.New(ratelimit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	m.Handler(ok).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 204 {
		t.Fatalf("%d", w.Code)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := ratelimit.New(ratelimit.Config{
		OnStoreError: "sometimes",
		Headers:      "draft-99",
		Policies: []ratelimit.Policy{
			{Key: "cookie:sid", Limit: ratelimit.PerHour(1)},
			{Key: "ip", Limit: ratelimit.Limit{Rate: 0}},
			{Key: "ip", Limit: ratelimit.PerHour(1)},
		},
	})
	for _, want := range []error{ratelimit.ErrBadMode, ratelimit.ErrBadHeaders, ratelimit.ErrBadPolicyKey, ratelimit.ErrInvalidLimit, ratelimit.ErrNoLimiter} {
		if !errors.Is(err, want) {
			t.Errorf("missing %v in %v", want, err)
		}
	}
	_, err = ratelimit.New(ratelimit.Config{OnStoreError: ratelimit.Local, Store: memory.Store{}})
	if !errors.Is(err, ratelimit.ErrNoFallback) {
		t.Fatalf("local without fallback: %v", err)
	}
}
