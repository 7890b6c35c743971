package redis_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/bruteforce/bruteforcetest"
	bfredis "github.com/rampart-api/rampart/bruteforce/redis"
	"github.com/rampart-api/rampart/internal/redistest"
)

// testClient returns a client for the shared test server and a unique
// key prefix deleted when the test ends.
func testClient(t *testing.T) (*goredis.Client, string) {
	t.Helper()
	return redistest.Client(t)
}

func gateway(t *testing.T, prefix string, cfg bruteforce.Config) http.Handler {
	t.Helper()
	c, _ := testClient(t)
	store, err := bfredis.New(c, prefix)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.UsernameField = store, "username"
	g, err := bruteforce.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), `"password":"right"`) {
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
}

func login(h http.Handler, ip, user, password string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r, info := rampart.WithInfo(r)
	info.ClientIP = netip.MustParseAddr(ip)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestLockedThroughAnotherGateway(t *testing.T) {
	_, prefix := testClient(t)
	cfg := bruteforce.Config{MaxFailures: 3, MaxFailuresPerIP: -1, Lockout: time.Hour}
	a, b := gateway(t, prefix, cfg), gateway(t, prefix, cfg)
	login(a, "203.0.113.7", "alice", "wrong")
	login(b, "198.51.100.1", "Alice", "wrong")
	login(a, "192.0.2.1", "ALICE", "wrong")
	w := login(b, "192.0.2.2", "alice", "right")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "3600" {
		t.Fatalf("locked user through the other gateway: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := login(b, "192.0.2.2", "bob", "right"); w.Code != 200 {
		t.Fatalf("bob locked too: %d", w.Code)
	}
}

// TestLockoutGrowsAndResets runs on Redis's own clock with lockouts of a
// fraction of a second, long enough that a busy machine's delay between
// the lock and the reading of its time to live stays within the margin.
func TestLockoutGrowsAndResets(t *testing.T) {
	_, prefix := testClient(t)
	h := gateway(t, prefix, bruteforce.Config{MaxFailures: 2, MaxFailuresPerIP: -1, Lockout: 400 * time.Millisecond, MaxLockout: 1600 * time.Millisecond})
	c, _ := testClient(t)
	ctx := context.Background()
	var key string
	for _, want := range []time.Duration{400, 800, 1600, 1600} {
		login(h, "203.0.113.7", "carol", "wrong")
		login(h, "203.0.113.7", "carol", "wrong")
		w := login(h, "203.0.113.7", "carol", "right")
		if w.Code != 429 {
			t.Fatalf("not locked after 2 failures: %d", w.Code)
		}
		if key == "" { // find carol's lock to read its remaining time
			it := c.Scan(ctx, 0, prefix+"*:x", 10).Iterator()
			for it.Next(ctx) {
				key = strings.TrimSuffix(strings.TrimPrefix(it.Val(), prefix+bfredis.HashTag), ":x")
			}
		}
		left, err := c.PTTL(ctx, prefix+bfredis.HashTag+key+":x").Result()
		if err != nil || left <= want*time.Millisecond/2 || left > want*time.Millisecond {
			t.Fatalf("lockout %v (err %v), want ≈ %v", left, err, want*time.Millisecond)
		}
		time.Sleep(left + 10*time.Millisecond)
	}
	login(h, "203.0.113.7", "carol", "wrong")
	if w := login(h, "203.0.113.7", "carol", "right"); w.Code != 200 {
		t.Fatalf("right password after the lockout: %d", w.Code)
	}
	if n, _ := c.Exists(ctx, prefix+bfredis.HashTag+key+":l", prefix+bfredis.HashTag+key+":f").Result(); n != 0 {
		t.Fatalf("success left %d keys behind", n)
	}
}

func TestStoreConformance(t *testing.T) {
	bruteforcetest.Run(t, func(t *testing.T) bruteforce.Store {
		c, prefix := testClient(t)
		s, err := bfredis.New(c, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
