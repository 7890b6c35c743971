package ratelimit

import "time"

// GCRA applies the generic cell rate algorithm to one key whose theoretical
// arrival time is tat (nanoseconds on any monotonic scale shared with now;
// zero for a new key). It returns the new tat to store and the decision.
// It is pure arithmetic on int64 nanoseconds, so it is exact: with
// Burst b, b consecutive calls at one instant are admitted and the next is
// not. l must be valid ([Limit.Validate]); n must not be negative.
func GCRA(tat, now int64, l Limit, n int) (int64, Decision) {
	ei := int64(l.Interval())
	burstOffset := ei * int64(l.Burst)
	if tat < now {
		tat = now
	}
	d := Decision{Limit: l, ResetAfter: time.Duration(tat - now)}
	remaining := func(t int64) int {
		r := (now - (t - burstOffset)) / ei
		if r < 0 {
			return 0
		}
		return int(r)
	}
	switch {
	case n == 0:
		d.Allowed = true
		d.Remaining = remaining(tat)
		return tat, d
	case n > l.Burst:
		d.Remaining = remaining(tat)
		d.RetryAfter = -1
		return tat, d
	}
	newTAT := tat + ei*int64(n)
	diff := now - (newTAT - burstOffset)
	if diff < 0 {
		d.Remaining = remaining(tat)
		d.RetryAfter = time.Duration(-diff)
		return tat, d
	}
	d.Allowed = true
	d.Remaining = int(diff / ei)
	d.ResetAfter = time.Duration(newTAT - now)
	return newTAT, d
}
