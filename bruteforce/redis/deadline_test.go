package redis_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/bruteforce"
	bfredis "github.com/rampart-api/rampart/bruteforce/redis"
	"github.com/rampart-api/rampart/internal/deadline"
	"github.com/rampart-api/rampart/internal/redistest"
)

// An attempt the gateway gave up on while Redis was paused must not be
// counted when Redis resumes and runs the queued script: the script sees
// its deadline passed on Redis's clock and writes nothing.
func TestAttemptAbandonedAtDeadlineIsNotCounted(t *testing.T) {
	p := redistest.Start(t)
	c := goredis.NewClient(&goredis.Options{Addr: p.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	s, err := bfredis.New(c, "t:")
	if err != nil {
		t.Fatal(err)
	}
	pol := bruteforce.Policy{MaxFailures: 5, Window: time.Minute, Lockout: time.Minute, MaxLockout: time.Hour, Forget: time.Hour}
	attempt := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_, err := deadline.Call(ctx, func(ctx context.Context) (bruteforce.Attempt, error) {
			return s.Attempt(ctx, bruteforce.Counter{Key: "u:carol", Policy: pol})
		})
		return err
	}
	// A healthy attempt is counted, and measures the clocks' offset.
	if err := attempt(time.Second); err != nil {
		t.Fatal(err)
	}
	count := func() string {
		t.Helper()
		v, err := c.Get(context.Background(), "t:"+bfredis.HashTag+"u:carol:f").Result()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := count(); got != "1" {
		t.Fatalf("after one attempt the count is %s", got)
	}

	p.Signal(t, syscall.SIGSTOP)
	for range 3 {
		if err := attempt(150 * time.Millisecond); err == nil {
			t.Fatal("an attempt against a paused Redis succeeded")
		}
	}
	p.Signal(t, syscall.SIGCONT)
	// Redis now runs the scripts queued in its sockets; each finds its
	// deadline passed. Give them time to run, then read the count.
	time.Sleep(300 * time.Millisecond)
	if got := count(); got != "1" {
		t.Fatalf("after the pause the count is %s, want the 1 counted before it", got)
	}
	// And a call whose deadline has already passed on Redis's clock (a
	// clock believed 10s behind) says so and writes nothing.
	bfredis.SetClockOffset(s, -10_000_000)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := s.Attempt(ctx, bruteforce.Counter{Key: "u:carol", Policy: pol}); !errors.Is(err, bfredis.ErrDeadlinePassed) {
		t.Fatalf("attempt past its deadline: %v, want ErrDeadlinePassed", err)
	}
	bfredis.SetClockOffset(s, -10_000_000) // the refused attempt measured the clocks again
	if err := s.Refund(ctx, "u:carol", false); !errors.Is(err, bfredis.ErrDeadlinePassed) {
		t.Fatalf("refund past its deadline: %v, want ErrDeadlinePassed", err)
	}
	if got := count(); got != "1" {
		t.Fatalf("calls past their deadline changed the count to %s", got)
	}
}
