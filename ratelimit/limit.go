package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Errors returned by limiters and by [Limit.Validate].
var (
	// ErrNegativeN is returned by Allow for n < 0: a negative cost would
	// refund capacity, which no caller may do.
	ErrNegativeN = errors.New("ratelimit: n must not be negative")
	// ErrInvalidLimit reports a Limit that cannot be enforced.
	ErrInvalidLimit = errors.New("ratelimit: invalid limit")
	// ErrStore wraps every failure of a shared store (network, script), so
	// that callers can tell an outage from a misuse with errors.Is.
	ErrStore = errors.New("ratelimit: store unavailable")
)

// Limit is a GCRA rate: Rate events per Period on average, with at most
// Burst admitted at once. Limit{Rate: 100, Period: 15 * time.Minute,
// Burst: 100} admits 100 requests at once, then one every 9 seconds.
type Limit struct {
	// Rate requests are admitted per Period.
	Rate int
	// Period is the window Rate is counted over.
	Period time.Duration
	// Burst is how many requests may arrive at once.
	Burst int
}

// PerSecond, PerMinute and PerHour return a Limit whose burst equals its
// rate, the usual "n per window" meaning.
func PerSecond(rate int) Limit { return Limit{Rate: rate, Period: time.Second, Burst: rate} }

// PerMinute is [PerSecond] per minute.
func PerMinute(rate int) Limit { return Limit{Rate: rate, Period: time.Minute, Burst: rate} }

// PerHour is [PerSecond] per hour.
func PerHour(rate int) Limit { return Limit{Rate: rate, Period: time.Hour, Burst: rate} }

// LimitError reports why a Limit is refused.
type LimitError struct {
	Limit Limit
	// Field is the failing field of Limit: "Rate", "Period" or "Burst".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("ratelimit: invalid limit %s: %s: %s", e.Limit, e.Field, e.Reason)
}

func (e *LimitError) Unwrap() error { return ErrInvalidLimit }

// Validate reports every problem with l. The emission interval
// (Period/Rate) must be at least a microsecond, the resolution of the Redis
// store's clock.
func (l Limit) Validate() error {
	var errs []error
	if l.Rate <= 0 {
		errs = append(errs, &LimitError{Limit: l, Field: "Rate", Reason: "must be positive"})
	}
	if l.Period <= 0 {
		errs = append(errs, &LimitError{Limit: l, Field: "Period", Reason: "must be positive"})
	}
	if l.Burst <= 0 {
		errs = append(errs, &LimitError{Limit: l, Field: "Burst", Reason: "must be positive"})
	}
	if l.Rate > 0 && l.Period > 0 && l.Period/time.Duration(l.Rate) < time.Microsecond {
		errs = append(errs, &LimitError{Limit: l, Field: "Period", Reason: "period/rate is under a microsecond"})
	}
	if l.Rate > 0 && l.Period >= time.Duration(l.Rate) && l.Burst > 0 && time.Duration(l.Burst) > maxSpan/l.Interval() {
		errs = append(errs, &LimitError{Limit: l, Field: "Burst", Reason: "burst × period/rate is over ten years"})
	}
	return errors.Join(errs...)
}

// maxSpan bounds burst × interval so that time arithmetic cannot overflow.
const maxSpan = 10 * 365 * 24 * time.Hour

// Interval is the emission interval Period/Rate: the time one unit of
// capacity takes to come back.
func (l Limit) Interval() time.Duration { return l.Period / time.Duration(l.Rate) }

// String renders l as "100/15m0s burst 100".
func (l Limit) String() string {
	return strconv.Itoa(l.Rate) + "/" + l.Period.String() + " burst " + strconv.Itoa(l.Burst)
}

// Decision is the outcome of one Allow call, shaped like go-redis/redis_rate's
// Result.
type Decision struct {
	// Allowed reports whether the n units were admitted (and consumed).
	Allowed bool
	// Limit is the limit the decision was made against.
	Limit Limit
	// Remaining is how many units could be admitted right now after this
	// decision.
	Remaining int
	// RetryAfter is how long to wait before the same n can be admitted:
	// zero when allowed, -1 when n exceeds the burst and never can be.
	RetryAfter time.Duration
	// ResetAfter is how long until the key is back to a full burst.
	ResetAfter time.Duration
}

// Limiter decides whether n units may be spent under key now. One call is
// one atomic step: concurrent callers never admit more than the limit.
// n == 0 reports the current state without consuming; n < 0 returns
// [ErrNegativeN]. Implementations are safe for concurrent use; an error
// from a shared store wraps [ErrStore].
type Limiter interface {
	Allow(ctx context.Context, key string, n int) (Decision, error)
}

// BytesLimiter is a [Limiter] that also decides on a key held in the
// caller's buffer, which it must not keep past the call (a key it stores
// it copies). [Middleware] uses AllowBytes when a limiter has it, so that
// a decision on a known key makes no string.
type BytesLimiter interface {
	Limiter
	AllowBytes(ctx context.Context, key []byte, n int) (Decision, error)
}

// Store makes limiters that share one backing store, one per Limit.
type Store interface {
	NewLimiter(l Limit) (Limiter, error)
}
