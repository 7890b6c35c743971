package ratelimit

import (
	"math"
	"strconv"
	"testing"
)

func TestRateLimitValue(t *testing.T) {
	for _, tc := range []struct {
		limit, remaining int
		reset            int64
	}{
		{10, 9, 1},
		{1, 0, 0},
		{0, 0, 0},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64},
		{math.MinInt64, math.MinInt64, math.MinInt64},
		{5, -1, 3600},
	} {
		want := "limit=" + strconv.Itoa(tc.limit) + ", remaining=" + strconv.Itoa(tc.remaining) + ", reset=" + strconv.FormatInt(tc.reset, 10)
		v := rateLimitValue(tc.limit, tc.remaining, tc.reset)
		if len(v) != 1 || cap(v) != 1 || v[0] != want {
			t.Errorf("rateLimitValue(%d, %d, %d) = %q (cap %d), want [%q] (cap 1)", tc.limit, tc.remaining, tc.reset, v, cap(v), want)
		}
	}
	// Two values never share bytes.
	a, b := rateLimitValue(1, 1, 1), rateLimitValue(2, 2, 2)
	if a[0] != "limit=1, remaining=1, reset=1" || b[0] != "limit=2, remaining=2, reset=2" {
		t.Errorf("values changed each other: %q %q", a, b)
	}
	if n := testing.AllocsPerRun(100, func() { _ = rateLimitValue(1000000, 999999, 3600) }); n != 1 {
		t.Errorf("rateLimitValue allocates %v times, want 1", n)
	}
}
