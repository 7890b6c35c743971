package ratelimittest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-api/rampart/ratelimit"
)

// NewLimiter returns a fresh limiter enforcing l, with no state shared
// with limiters returned earlier.
type NewLimiter func(t *testing.T, l ratelimit.Limit) ratelimit.Limiter

// Run runs the conformance suite against the limiters newLimiter makes.
// The refill cases wait on the real clock for well under a second each,
// since a shared store (Redis) uses its own clock and cannot be faked.
func Run(t *testing.T, newLimiter NewLimiter) {
	t.Helper()
	t.Run("exactly the limit under 1000 concurrent callers", func(t *testing.T) {
		Exactness(t, []ratelimit.Limiter{newLimiter(t, ratelimit.PerHour(100))}, 1000, 100)
	})
	t.Run("burst admitted at once then refused", func(t *testing.T) { testBurst(t, newLimiter) })
	t.Run("refill after RetryAfter", func(t *testing.T) { testRefill(t, newLimiter) })
	t.Run("n greater than one", func(t *testing.T) { testN(t, newLimiter) })
	t.Run("RetryAfter and ResetAfter are exact", func(t *testing.T) { testRetryAfter(t, newLimiter) })
	t.Run("keys are isolated", func(t *testing.T) { testIsolation(t, newLimiter) })
	t.Run("zero n peeks without consuming", func(t *testing.T) { testZero(t, newLimiter) })
	t.Run("negative n is refused", func(t *testing.T) { testNegative(t, newLimiter) })
}

// Exactness sends callers concurrent Allow calls for one key, spread over
// limiters (which must share one store), and fails unless exactly want are
// admitted.
func Exactness(t *testing.T, limiters []ratelimit.Limiter, callers, want int) {
	t.Helper()
	var allowed, failed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		l := limiters[i%len(limiters)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			d, err := l.Allow(context.Background(), "exact", 1)
			if err != nil {
				failed.Add(1)
				return
			}
			if d.Allowed {
				allowed.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d calls failed", failed.Load(), callers)
	}
	if got := allowed.Load(); got != int64(want) {
		t.Fatalf("admitted %d of %d concurrent requests, want exactly %d", got, callers, want)
	}
}

func allow(t *testing.T, l ratelimit.Limiter, key string, n int) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key, n)
	if err != nil {
		t.Fatalf("Allow(%q, %d): %v", key, n, err)
	}
	return d
}

func testBurst(t *testing.T, newLimiter NewLimiter) {
	lim := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 10}
	l := newLimiter(t, lim)
	for i := range 10 {
		d := allow(t, l, "burst", 1)
		if !d.Allowed {
			t.Fatalf("request %d of the burst refused", i+1)
		}
		if d.Remaining != 9-i {
			t.Fatalf("request %d: Remaining = %d, want %d", i+1, d.Remaining, 9-i)
		}
		if d.Limit != lim {
			t.Fatalf("Decision.Limit = %v, want %v", d.Limit, lim)
		}
		if d.RetryAfter != 0 {
			t.Fatalf("allowed with RetryAfter %v", d.RetryAfter)
		}
	}
	d := allow(t, l, "burst", 1)
	if d.Allowed || d.Remaining != 0 {
		t.Fatalf("11th request: %+v, want refused with 0 remaining", d)
	}
}

func testRefill(t *testing.T, newLimiter NewLimiter) {
	// One unit every 100ms, burst 2.
	l := newLimiter(t, ratelimit.Limit{Rate: 10, Period: time.Second, Burst: 2})
	allow(t, l, "refill", 1)
	allow(t, l, "refill", 1)
	d := allow(t, l, "refill", 1)
	if d.Allowed {
		t.Fatal("third request of a burst of 2 admitted")
	}
	if d.RetryAfter <= 0 || d.RetryAfter > 100*time.Millisecond {
		t.Fatalf("RetryAfter = %v, want in (0, 100ms]", d.RetryAfter)
	}
	time.Sleep(d.RetryAfter + 5*time.Millisecond)
	if d := allow(t, l, "refill", 1); !d.Allowed {
		t.Fatalf("refused after waiting RetryAfter: %+v", d)
	}
	if d := allow(t, l, "refill", 1); d.Allowed {
		t.Fatal("refill admitted more than one unit per interval")
	}
}

func testN(t *testing.T, newLimiter NewLimiter) {
	l := newLimiter(t, ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 10})
	if d := allow(t, l, "n", 4); !d.Allowed || d.Remaining != 6 {
		t.Fatalf("Allow(4) = %+v, want allowed with 6 remaining", d)
	}
	if d := allow(t, l, "n", 7); d.Allowed || d.Remaining != 6 {
		t.Fatalf("Allow(7) with 6 left = %+v, want refused, 6 still remaining", d)
	}
	if d := allow(t, l, "n", 6); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("Allow(6) = %+v, want allowed with 0 remaining", d)
	}
	d := allow(t, l, "n-fresh", 11)
	if d.Allowed || d.RetryAfter != -1 || d.Remaining != 10 {
		t.Fatalf("Allow(11) over a burst of 10 = %+v, want refused with RetryAfter -1 and nothing consumed", d)
	}
}

func testRetryAfter(t *testing.T, newLimiter NewLimiter) {
	l := newLimiter(t, ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1})
	first := allow(t, l, "retry", 1)
	if !first.Allowed || first.ResetAfter < time.Hour-time.Second || first.ResetAfter > time.Hour {
		t.Fatalf("first = %+v, want allowed, ResetAfter ≈ 1h", first)
	}
	d := allow(t, l, "retry", 1)
	if d.Allowed {
		t.Fatal("second request within the hour admitted")
	}
	if d.RetryAfter < time.Hour-time.Second || d.RetryAfter > time.Hour {
		t.Fatalf("RetryAfter = %v, want ≈ 1h", d.RetryAfter)
	}
	if d.ResetAfter < time.Hour-time.Second || d.ResetAfter > time.Hour {
		t.Fatalf("ResetAfter = %v, want ≈ 1h", d.ResetAfter)
	}
}

func testIsolation(t *testing.T, newLimiter NewLimiter) {
	l := newLimiter(t, ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 2})
	keys := []string{"ip:203.0.113.7", "ip:203.0.113.70", "", "{tag}", "}{", "ip:203.0.113.7 ", "ключ", "a:b:c", "*", "x\x00y"}
	for _, k := range keys {
		for i := range 2 {
			if d := allow(t, l, k, 1); !d.Allowed {
				t.Fatalf("key %q request %d refused: another key's use leaked into it", k, i+1)
			}
		}
		if d := allow(t, l, k, 1); d.Allowed {
			t.Fatalf("key %q admitted over its burst", k)
		}
	}
	for i := range 3 {
		if d := allow(t, l, "fresh-"+strconv.Itoa(i), 1); !d.Allowed || d.Remaining != 1 {
			t.Fatalf("fresh key: %+v", d)
		}
	}
}

func testZero(t *testing.T, newLimiter NewLimiter) {
	l := newLimiter(t, ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 3})
	for range 5 {
		if d := allow(t, l, "zero", 0); !d.Allowed || d.Remaining != 3 {
			t.Fatalf("Allow(0) on a fresh key = %+v, want 3 remaining", d)
		}
	}
	allow(t, l, "zero", 1)
	if d := allow(t, l, "zero", 0); d.Remaining != 2 {
		t.Fatalf("Allow(0) after one use = %+v, want 2 remaining", d)
	}
	allow(t, l, "zero", 2)
	if d := allow(t, l, "zero", 0); d.Remaining != 0 {
		t.Fatalf("Allow(0) when exhausted = %+v, want 0 remaining", d)
	}
}

func testNegative(t *testing.T, newLimiter NewLimiter) {
	l := newLimiter(t, ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1})
	allow(t, l, "neg", 1)
	for _, n := range []int{-1, -1000} {
		if _, err := l.Allow(context.Background(), "neg", n); !errors.Is(err, ratelimit.ErrNegativeN) {
			t.Fatalf("Allow(%d) error = %v, want ErrNegativeN", n, err)
		}
	}
	if d := allow(t, l, "neg", 1); d.Allowed {
		t.Fatal("a negative n refunded capacity")
	}
}
