package ratelimit_test

import (
	"net/http/httptest"
	"testing"

	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/memory"
)

// TestForwardedForCannotChangeTheKey runs the real client-IP resolver in
// front of the limiter: a client connecting directly (an untrusted peer)
// sends a new X-Forwarded-For on every request and is still limited as one
// client; behind a trusted proxy, the forwarded address is the key.
func TestForwardedForCannotChangeTheKey(t *testing.T) {
	res, err := clientip.New([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ratelimit.New(ratelimit.Config{Policies: []ratelimit.Policy{{Key: "ip", Limit: ratelimit.PerHour(2)}}, Store: memory.Store{}})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Handler(m.Handler(ok))
	tests := []struct {
		name, peer, xff string
		want            int
	}{
		{"direct client", "203.0.113.7:4000", "", 204},
		{"same client claims another address", "203.0.113.7:4001", "198.51.100.1", 204},
		{"and another, once over its limit", "203.0.113.7:4002", "198.51.100.2, 192.0.2.3", 429},
		{"spoofed list with garbage", "203.0.113.7:4003", "oh, hi,,127.0.0.1,,,,", 429},
		{"trusted proxy forwards a real client", "10.1.2.3:80", "198.51.100.9", 204},
		{"that client is limited on its own address", "10.9.9.9:80", "198.51.100.9", 204},
		{"and refused on its third request", "10.1.2.3:80", "198.51.100.9", 429},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.peer
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Fatalf("%s: %d, want %d", tt.name, w.Code, tt.want)
		}
	}
}
