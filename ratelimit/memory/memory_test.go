package memory_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/memory"
	"github.com/rampart-api/rampart/ratelimit/ratelimittest"
)

func TestConformance(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, l ratelimit.Limit) ratelimit.Limiter {
		lim, err := memory.New(memory.Config{Limit: l})
		if err != nil {
			t.Fatal(err)
		}
		return lim
	})
}

// viaBytes decides every call through AllowBytes, with a buffer it
// overwrites after the call, as the middleware reuses its pooled key
// buffers.
type viaBytes struct{ *memory.Limiter }

func (v viaBytes) Allow(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	buf := []byte(key)
	d, err := v.AllowBytes(ctx, buf, n)
	for i := range buf {
		buf[i] = '#'
	}
	return d, err
}

// TestConformanceBytes runs the conformance suite through AllowBytes.
func TestConformanceBytes(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, l ratelimit.Limit) ratelimit.Limiter {
		lim, err := memory.New(memory.Config{Limit: l})
		if err != nil {
			t.Fatal(err)
		}
		return viaBytes{lim}
	})
}

// AllowBytes and Allow count against the same keys, a key stored from a
// buffer survives the buffer's reuse, and a decision on a key already
// held allocates nothing.
func TestAllowBytes(t *testing.T) {
	lim, err := memory.New(memory.Config{Limit: ratelimit.Limit{Rate: 3, Period: time.Hour, Burst: 3}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	buf := []byte("ip:192.0.2.1")
	if d, _ := lim.AllowBytes(ctx, buf, 1); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("first: %+v", d)
	}
	copy(buf, "ip:198.51.100")
	if d, _ := lim.Allow(ctx, "ip:192.0.2.1", 1); !d.Allowed || d.Remaining != 1 {
		t.Fatalf("same key through Allow after the buffer changed: %+v", d)
	}
	if d, _ := lim.AllowBytes(ctx, []byte("ip:192.0.2.1"), 1); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("third: %+v", d)
	}
	if d, _ := lim.AllowBytes(ctx, []byte("ip:192.0.2.1"), 1); d.Allowed {
		t.Fatalf("fourth allowed: %+v", d)
	}
	if d, _ := lim.Allow(ctx, string(buf), 1); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("the buffer's new key: %+v", d)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = lim.AllowBytes(ctx, buf, 0) }); n != 0 {
		t.Errorf("AllowBytes on a held key: %v allocations", n)
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := memory.New(memory.Config{Limit: ratelimit.Limit{Rate: 0, Period: -1}, MaxKeys: -1, Shards: -3})
	if !errors.Is(err, ratelimit.ErrInvalidLimit) || !errors.Is(err, memory.ErrConfig) {
		t.Fatalf("err = %v, want both limit and config errors", err)
	}
	var le *ratelimit.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("no *LimitError in %v", err)
	}
}

func TestBoundedEvictsLeastRecentlyUsed(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l, err := memory.New(memory.Config{Limit: ratelimit.PerHour(1), MaxKeys: 4, Shards: 1, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 4 {
		l.Allow(ctx, "k"+strconv.Itoa(i), 1)
	}
	l.Allow(ctx, "k0", 0) // touch: k1 is now the oldest
	l.Allow(ctx, "attacker-new-key", 1)
	if got := l.Len(); got != 4 {
		t.Fatalf("Len = %d, want the bound 4", got)
	}
	if d, _ := l.Allow(ctx, "k0", 1); d.Allowed {
		t.Fatal("recently used k0 was evicted")
	}
	if d, _ := l.Allow(ctx, "k1", 1); !d.Allowed {
		t.Fatal("least recently used k1 was kept")
	}
}

func TestExpiredKeysAreCleaned(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l, err := memory.New(memory.Config{Limit: ratelimit.PerSecond(10), MaxKeys: 1000, Shards: 1, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 100 {
		l.Allow(ctx, "old"+strconv.Itoa(i), 1)
	}
	c.t = c.t.Add(time.Minute)
	for i := range 30 {
		l.Allow(ctx, "new"+strconv.Itoa(i), 1)
	}
	if got := l.Len(); got != 30 {
		t.Fatalf("Len = %d: expired keys were not cleaned while inserting", got)
	}
}

func TestRefusedNewKeyIsNotStored(t *testing.T) {
	l, err := memory.New(memory.Config{Limit: ratelimit.PerHour(1)})
	if err != nil {
		t.Fatal(err)
	}
	l.Allow(context.Background(), "peek", 0)
	l.Allow(context.Background(), "too-big", 5)
	if got := l.Len(); got != 0 {
		t.Fatalf("Len = %d, want 0: peeks and impossible requests must not fill the table", got)
	}
}

func TestInjectedClockRefill(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l, _ := memory.New(memory.Config{Limit: ratelimit.Limit{Rate: 100, Period: 15 * time.Minute, Burst: 100}, Now: c.now})
	ctx := context.Background()
	for range 100 {
		l.Allow(ctx, "ip", 1)
	}
	d, _ := l.Allow(ctx, "ip", 1)
	if d.Allowed || d.RetryAfter != 9*time.Second {
		t.Fatalf("101st = %+v, want refused with RetryAfter exactly 9s", d)
	}
	c.t = c.t.Add(9*time.Second - time.Nanosecond)
	if d, _ := l.Allow(ctx, "ip", 1); d.Allowed {
		t.Fatal("admitted a nanosecond early")
	}
	c.t = c.t.Add(time.Nanosecond)
	if d, _ := l.Allow(ctx, "ip", 1); !d.Allowed {
		t.Fatal("refused at RetryAfter")
	}
}
