package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rampart-api/rampart/ratelimit"
	rlredis "github.com/rampart-api/rampart/ratelimit/redis"
)

// TestLateDecisionCountsNothing sends decisions whose deadline Redis has
// already passed when the script runs, as happens when commands wait in
// a paused server's socket buffer: the script refuses them and writes
// nothing, and decisions in time count exactly.
func TestLateDecisionCountsNothing(t *testing.T) {
	c, prefix := testClient(t)
	lim, err := rlredis.New(rlredis.Config{Client: c, Limit: ratelimit.PerHour(5), Prefix: prefix, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l := lim
	ctx := context.Background()
	if _, err := l.Allow(ctx, "k", 1); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		// Redis's clock appears 10s behind the gateway's: the translated
		// deadline lies 9s in Redis's past.
		rlredis.SetClockOffset(l, -10_000_000)
		if _, err := l.Allow(ctx, "k", 1); !errors.Is(err, rlredis.ErrDeadlinePassed) || !errors.Is(err, ratelimit.ErrStore) {
			t.Fatalf("late decision %d: err = %v, want ErrDeadlinePassed wrapping ErrStore", i, err)
		}
	}
	// The reply re-measured the offset: the next decision is in time,
	// and sees only the one counted before.
	d, err := l.Allow(ctx, "k", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allowed || d.Remaining != 3 {
		t.Fatalf("after late decisions: %+v, want allowed with 3 remaining (2 counted)", d)
	}
}

// TestNoDeadlineMeansNoClockRead checks that a context without deadline
// and a limiter without timeout decide as before.
func TestNoDeadlineMeansNoClockRead(t *testing.T) {
	c, prefix := testClient(t)
	l, err := rlredis.New(rlredis.Config{Client: c, Limit: ratelimit.PerHour(2), Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	rlredis.SetClockOffset(l, -10_000_000) // ignored without a deadline
	for i, want := range []bool{true, true, false} {
		d, err := l.Allow(context.Background(), "k", 1)
		if err != nil || d.Allowed != want {
			t.Fatalf("decision %d: %+v, %v; want allowed=%v", i, d, err, want)
		}
	}
}
