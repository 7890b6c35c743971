package ratelimit_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/ratelimit"
)

func TestResolve(t *testing.T) {
	for _, tt := range []struct {
		name     string
		mode     ratelimit.OnStoreError
		fallback bool
		want     ratelimit.OnStoreError
		err      error
	}{
		{"zero value fails closed", "", false, ratelimit.FailClosed, nil},
		{"fail_closed", ratelimit.FailClosed, false, ratelimit.FailClosed, nil},
		{"fail_open", ratelimit.FailOpen, false, ratelimit.FailOpen, nil},
		{"local with a fallback", ratelimit.Local, true, ratelimit.Local, nil},
		{"local without a fallback", ratelimit.Local, false, ratelimit.Local, ratelimit.ErrNoFallback},
		{"upper case is unknown", "FAIL_OPEN", true, "FAIL_OPEN", ratelimit.ErrBadMode},
		{"padded is unknown", " fail_open", true, " fail_open", ratelimit.ErrBadMode},
		{"a guess is unknown", "open", true, "open", ratelimit.ErrBadMode},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.mode.Resolve(tt.fallback)
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Resolve(%v) = %q, %v; want %q, %v", tt.fallback, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestDegraded(t *testing.T) {
	mon, _ := ratelimit.NewMonitor(ratelimit.MonitorConfig{ProbeInterval: 1500 * time.Millisecond})
	for _, tt := range []struct {
		mode              ratelimit.OnStoreError
		pass, useFallback bool
	}{
		{ratelimit.FailOpen, true, false},
		{ratelimit.Local, false, true},
		{ratelimit.FailClosed, false, false},
		{"", false, false},
		{"fail-open", false, false},
	} {
		t.Run(string(tt.mode), func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			pass, local := mon.Degraded(w, r, tt.mode, problem.Write, "store unavailable")
			if pass != tt.pass || local != tt.useFallback {
				t.Fatalf("Degraded = %v, %v; want %v, %v", pass, local, tt.pass, tt.useFallback)
			}
			refused := !tt.pass && !tt.useFallback
			if refused != (w.Code == http.StatusServiceUnavailable) {
				t.Fatalf("refused %v but status %d", refused, w.Code)
			}
			if refused && w.Header().Get("Retry-After") != "2" {
				t.Fatalf("Retry-After %q, want the probe interval rounded up, 2", w.Header().Get("Retry-After"))
			}
			if !refused && w.Body.Len() != 0 {
				t.Fatalf("answered a request it did not refuse: %s", w.Body)
			}
		})
	}
}
