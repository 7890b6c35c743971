package redis_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/memory"
	rlredis "github.com/rampart-api/rampart/ratelimit/redis"
)

// TestRedisOutage cuts Redis off mid-test and restores it, for each
// on_store_error mode: the mode's behaviour during the outage, one
// store.unavailable event however many requests fail, and automatic
// recovery with one store.recovered event.
func TestRedisOutage(t *testing.T) {
	tests := []struct {
		mode ratelimit.OnStoreError
		// during the outage, for the 1st..4th request of a client whose
		// limit is 2 and who spent 1 before the outage
		during []int
	}{
		{ratelimit.FailClosed, []int{503, 503, 503, 503}},
		{ratelimit.FailOpen, []int{200, 200, 200, 200}},
		{ratelimit.Local, []int{200, 200, 429, 429}}, // the local store starts afresh
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			direct, prefix := testClient(t)
			px := newProxy(t, direct.Options().Addr)
			c := goredis.NewClient(&goredis.Options{
				Addr: px.addr, DB: direct.Options().DB, MaxRetries: -1,
				DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond,
			})
			t.Cleanup(func() { c.Close() })

			var events, logs bytes.Buffer
			ev := audit.NewLogger(slog.NewJSONHandler(&events, nil))
			mon, _ := ratelimit.NewMonitor(ratelimit.MonitorConfig{
				Store: "redis", Events: ev, Log: slog.New(slog.NewTextHandler(&logs, nil)), ProbeInterval: 20 * time.Millisecond,
			})
			m, err := ratelimit.New(ratelimit.Config{
				Policies:     []ratelimit.Policy{{Key: "ip", Limit: ratelimit.PerHour(2)}},
				Store:        rlredis.Store{Client: c, Prefix: prefix},
				Fallback:     memory.Store{},
				OnStoreError: tt.mode,
				Monitor:      mon,
				Events:       ev,
			})
			if err != nil {
				t.Fatal(err)
			}
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			do := func() int {
				r := httptest.NewRequest("GET", "/api", nil)
				r, info := rampart.WithInfo(r)
				info.ClientIP = netip.MustParseAddr("198.51.100.4")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w.Code
			}
			if got := do(); got != 200 {
				t.Fatalf("before the outage: %d", got)
			}

			px.Stop()
			for i, want := range tt.during {
				if got := do(); got != want {
					t.Fatalf("outage request %d: status %d, want %d", i+1, got, want)
				}
			}
			if got := strings.Count(events.String(), `"event":"store.unavailable"`); got != 1 {
				t.Fatalf("%d store.unavailable events, want exactly 1:\n%s", got, events.String())
			}
			if got := strings.Count(logs.String(), `msg="store unavailable"`); got != 1 {
				t.Fatalf("%d outage log lines, want 1:\n%s", got, logs.String())
			}

			px.Start()
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(events.String(), `"event":"store.recovered"`) {
				if time.Now().After(deadline) {
					t.Fatalf("no recovery after Redis came back:\n%s", events.String())
				}
				do()
				time.Sleep(5 * time.Millisecond)
			}
			// Redis remembers the one request made before the outage
			// (plus the probe that recovered): the shared limit holds.
			if got := do(); got != 429 {
				t.Fatalf("after recovery: status %d, want 429 from Redis's state", got)
			}
			if mon.Down() {
				t.Fatal("monitor still down after recovery")
			}
			if got := strings.Count(events.String(), `"event":"store.recovered"`); got != 1 {
				t.Fatalf("%d store.recovered events, want 1", got)
			}
		})
	}
}
