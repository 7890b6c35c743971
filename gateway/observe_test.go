package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// counting is a slog.Handler wrapper that counts records by message and
// passes them on.
type counting struct {
	mu   *sync.Mutex
	seen map[string]int
	next slog.Handler
}

func (c counting) Enabled(ctx context.Context, l slog.Level) bool { return true }
func (c counting) Handle(ctx context.Context, r slog.Record) error {
	c.mu.Lock()
	c.seen[r.Message]++
	c.mu.Unlock()
	if c.next != nil && c.next.Enabled(ctx, r.Level) {
		return c.next.Handle(ctx, r)
	}
	return nil
}
func (c counting) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c counting) WithGroup(string) slog.Handler      { return c }

func TestObserveSeesEveryRecordWhetherTheLogIsOnOrOff(t *testing.T) {
	for _, logCfg := range []config.Log{
		{Server: "off", Access: "stderr", Events: "stderr", Level: "info"},
		{Server: "off", Access: "off", Events: "off", Level: "info"},
	} {
		t.Run("access "+logCfg.Access, func(t *testing.T) {
			var out syncBuffer
			logs, err := gateway.OpenLogs(logCfg, &out)
			if err != nil {
				t.Fatal(err)
			}
			c := counting{mu: &sync.Mutex{}, seen: map[string]int{}}
			var gotNil []bool
			logs.Observe(
				func(h slog.Handler) slog.Handler { gotNil = append(gotNil, h == nil); c.next = h; return c },
				func(h slog.Handler) slog.Handler {
					gotNil = append(gotNil, h == nil)
					return counting{mu: c.mu, seen: c.seen, next: h}
				},
			)
			cfg, diags := config.Parse([]byte("upstreams: {app: {url: \"http://127.0.0.1:1\"}}\nroutes:\n  - {path: \"/api/*\", upstream: app, auth: none}\n"), "observe.yaml")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			gw, err := gateway.New(cfg, gateway.Options{Log: logs.Server, Access: logs.Access, Events: logs.Events})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = gw.Close() })
			for _, path := range []string{"/nowhere", "/api/a%2fb"} {
				w := httptest.NewRecorder()
				gw.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
				if w.Code < 400 {
					t.Fatalf("%s: %d", path, w.Code)
				}
			}
			_ = logs.Close()
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.seen["request"] != 2 || c.seen["security event"] < 1 {
				t.Fatalf("observed %v", c.seen)
			}
			off := logCfg.Access == "off"
			if fmt.Sprint(gotNil) != fmt.Sprint([]bool{off, off}) {
				t.Fatalf("wrappers got nil handlers %v, want %v", gotNil, off)
			}
			if lines := strings.Count(out.String(), "\n"); off != (lines == 0) {
				t.Fatalf("log output with access %s: %q", logCfg.Access, out.String())
			}
		})
	}
}
