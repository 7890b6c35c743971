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
