package ratelimit

import (
	"math"
	"strconv"
	"testing"

	"github.com/rampart-api/rampart"
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
		v := rateLimitValue(nil, tc.limit, tc.remaining, tc.reset)
		if len(v) != 1 || cap(v) != 1 || v[0] != want {
			t.Errorf("rateLimitValue(%d, %d, %d) = %q (cap %d), want [%q] (cap 1)", tc.limit, tc.remaining, tc.reset, v, cap(v), want)
		}
	}
	// Two values never share bytes.
	a, b := rateLimitValue(nil, 1, 1, 1), rateLimitValue(nil, 2, 2, 2)
	if a[0] != "limit=1, remaining=1, reset=1" || b[0] != "limit=2, remaining=2, reset=2" {
		t.Errorf("values changed each other: %q %q", a, b)
	}
	if n := testing.AllocsPerRun(100, func() { _ = rateLimitValue(nil, 1000000, 999999, 3600) }); n != 1 {
		t.Errorf("rateLimitValue allocates %v times, want 1", n)
	}
}

// With the request's Info the value takes no allocation, and values made
// one after the other keep their own bytes.
func TestRateLimitValueFromInfo(t *testing.T) {
	info := new(rampart.Info)
	a, b := rateLimitValue(info, 1, 1, 1), rateLimitValue(info, 2, 2, 2)
	if len(a) != 1 || cap(a) != 1 || a[0] != "limit=1, remaining=1, reset=1" || b[0] != "limit=2, remaining=2, reset=2" {
		t.Errorf("values %q %q", a, b)
	}
	if n := testing.AllocsPerRun(1, func() { _ = rateLimitValue(new(rampart.Info), 1000000, 999999, 3600) }); n != 1 {
		t.Errorf("rateLimitValue with a new Info allocates %v times, want only the Info", n)
	}
	for range 8 { // beyond the Info's room, values still come out right
		if v := rateLimitValue(info, 1000000, 999999, 3600); v[0] != "limit=1000000, remaining=999999, reset=3600" {
			t.Fatalf("value %q", v)
		}
	}
}
