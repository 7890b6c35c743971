package console_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/console"
)

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// An attacker rotating through 100,000 addresses (and as many subjects and
// routes) cannot grow the console beyond its top tables' bounds, and a
// heavy hitter among them still tops the table.
func TestMemoryBoundedUnderDistinctClients(t *testing.T) {
	const k, distinct = 100, 100_000
	c := newConsole(t, console.Config{TopK: k})
	h := c.EventRecords()
	now := time.Now()
	emit := func(ip, subject, route string) {
		rec := slog.NewRecord(now, slog.LevelWarn, "security event", 0)
		rec.AddAttrs(slog.String("event", audit.AuthFailed), slog.String("owasp", audit.OWASPAuth), slog.Int("status", 401),
			slog.String("client_ip", ip), slog.String("subject", subject), slog.String("route", route), slog.String("event_"+route, "x"))
		_ = h.Handle(context.Background(), rec)
	}
	// Warm up every bounded structure: the rings, the recent events and
	// full top tables.
	for i := range 2 * k {
		emit(fmt.Sprintf("10.0.%d.%d", i/256, i%256), fmt.Sprint("warm", i), fmt.Sprint("/warm/", i))
	}
	before := heap()
	for i := range distinct {
		emit(fmt.Sprintf("2001:db8:%x:%x::1", i>>16, i&0xffff), fmt.Sprint("user-", i), fmt.Sprint("/r/", i))
		if i%10 == 0 {
			emit("198.51.100.66", "mallory", "/api/login")
		}
	}
	after := heap()
	if n := c.TrackedKeys(); n > 4*2*k {
		t.Fatalf("top tables hold %d keys, bound is %d", n, 4*2*k)
	}
	if grew := int64(after) - int64(before); grew > 1<<20 {
		t.Fatalf("heap grew by %d bytes over %d distinct clients", grew, distinct)
	}
	s := c.Summarize(60)
	if s.TopIPs[0].Key != "198.51.100.66" || s.TopSubject[0].Key != "mallory" || s.TopRoutes[0].Key != "/api/login" {
		t.Fatalf("heavy hitter lost: %+v %+v %+v", s.TopIPs[0], s.TopSubject[0], s.TopRoutes[0])
	}
	if len(s.ByEvent) > 33 {
		t.Fatalf("%d event names", len(s.ByEvent))
	}
}

// Distinct event names, as a feature that puts request data into the
// name would produce, are capped; the rest count as "other".
func TestEventNamesBounded(t *testing.T) {
	c := newConsole(t, console.Config{})
	h := c.EventRecords()
	for i := range 1000 {
		rec := slog.NewRecord(time.Now(), slog.LevelWarn, "security event", 0)
		rec.AddAttrs(slog.String("event", fmt.Sprint("made.up.", i)), slog.Int("status", 400))
		_ = h.Handle(context.Background(), rec)
	}
	s := c.Summarize(60)
	if len(s.ByEvent) != 33 || s.ByEvent[0] != (console.Named{Name: "other", Count: 1000 - 32}) {
		t.Fatalf("by event: %d names, first %+v", len(s.ByEvent), s.ByEvent[0])
	}
}

// A browser that stops reading loses events; the gateway never waits.
func TestSlowSubscriberNeverBlocks(t *testing.T) {
	c := newConsole(t, console.Config{StreamBuffer: 4})
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events/stream", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close() // never read
	h := c.EventRecords()
	done := make(chan struct{})
	go func() {
		defer close(done)
		big := make([]byte, 64<<10)
		for i := range big {
			big[i] = 'x'
		}
		for range 2000 {
			c.Publish(big)
		}
		rec := slog.NewRecord(time.Now(), slog.LevelWarn, "security event", 0)
		rec.AddAttrs(slog.String("event", audit.WAFBlocked), slog.Int("status", 403))
		_ = h.Handle(context.Background(), rec)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("publishing blocked on a browser that does not read")
	}
	if s := c.Summarize(60); s.Stream.Dropped == 0 || s.Stream.Subscribers != 1 {
		t.Fatalf("stream %+v: the unread events should be dropped", s.Stream)
	}
}

// Events with huge values (a long path, a long reason) keep only what the
// console shows of them.
func TestLongValuesAreNotKept(t *testing.T) {
	c := newConsole(t, console.Config{})
	h := c.EventRecords()
	before := heap()
	for i := range 400 {
		long := strings.Repeat(fmt.Sprint(i%10), 1<<20)
		rec := slog.NewRecord(time.Now(), slog.LevelWarn, "security event", 0)
		rec.AddAttrs(slog.String("event", audit.RequestRejected), slog.Int("status", 414), slog.String("path", "/"+long),
			slog.String("reason", long), slog.String("subject", long), slog.String("route", long))
		_ = h.Handle(context.Background(), rec)
	}
	if grew := int64(heap()) - int64(before); grew > 8<<20 {
		t.Fatalf("heap grew by %d bytes keeping 200 events", grew)
	}
	for _, ev := range c.Summarize(60).Recent {
		if p, _ := ev["path"].(string); len(p) > 256 {
			t.Fatalf("path of %d bytes", len(p))
		}
	}
}
