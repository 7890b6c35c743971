package console_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/console"
)

// FuzzEventRecord feeds arbitrary attribute values, the client IP
// included, through the event handler and the summary: nothing panics,
// every value is bounded and the summary stays valid JSON.
func FuzzEventRecord(f *testing.F) {
	for _, seed := range [][4]string{
		{"auth.failed", "203.0.113.9", "/api/users/{uid}", "60s"},
		{"bruteforce.locked", "2001:db8::1%eth0", "", "-5s"},
		{"ratelimit.exceeded", "::ffff:1.2.3.4", "/a", "9999999999h"},
		{"", "not an ip " + strings.Repeat("x", 300), "\x00", "1e9s"},
		{"store.unavailable", "fe80::1%25", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln", ""},
		{"config.rejected", "[::1]", "</script><img src=x onerror=alert(1)>", "60"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], int64(403))
	}
	c, err := console.New(console.Config{TopK: 8})
	if err != nil {
		f.Fatal(err)
	}
	h := c.EventRecords()
	f.Fuzz(func(t *testing.T, event, ip, route, lockout string, status int64) {
		rec := slog.NewRecord(time.Now(), slog.LevelWarn, "security event", 0)
		rec.AddAttrs(slog.String("event", event), slog.String("client_ip", ip), slog.String("route", route), slog.String("reason", route), slog.String("path", lockout),
			slog.String("locked_by", "client_ip"), slog.String("lockout", lockout), slog.Int64("status", status), slog.String("store", route))
		if err := h.Handle(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		s := c.Summarize(60)
		if _, err := json.Marshal(s); err != nil {
			t.Fatal(err)
		}
		for _, row := range s.TopIPs {
			if len(row.Key) > 64 {
				t.Fatalf("client key of %d bytes", len(row.Key))
			}
		}
		for _, ev := range s.Recent {
			for k, v := range ev {
				if s, ok := v.(string); ok && len(s) > 256 {
					t.Fatalf("%s of %d bytes", k, len(s))
				}
			}
		}
		for _, ev := range s.Recent {
			for _, k := range []string{"reason", "path"} {
				if v, _ := ev[k].(string); strings.Contains(v, "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ") {
					t.Fatalf("a token reached the summary's %s: %s", k, v)
				}
			}
		}
	})
}
