package bruteforce

import (
	"errors"
	"fmt"
)

// Validate checks the settings of cfg: counts, durations, failure
// statuses. It does not look at Store, Fallback or OnStoreError, which
// [New] checks too, and has no side effects.
//
// It returns every problem at once, joined, each a [*FieldError] whose
// Field is the setting as a rampart.yaml file writes it under a route's
// brute_force: "max_failures", "max_lockout", "failure_statuses[1]".
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Err: ErrBadValue, Reason: fmt.Sprintf(format, args...)})
	}
	for _, d := range []struct {
		field string
		v     int64
	}{{"window", int64(c.Window)}, {"lockout", int64(c.Lockout)}, {"max_lockout", int64(c.MaxLockout)}, {"forget", int64(c.Forget)}} {
		if d.v < 0 {
			bad(d.field, "must not be negative")
		}
	}
	lockout, maxLockout := c.Lockout, c.MaxLockout
	if lockout == 0 {
		lockout = DefaultLockout
	}
	if maxLockout == 0 {
		maxLockout = DefaultMaxLockout
	}
	if lockout > 0 && maxLockout > 0 && maxLockout < lockout {
		bad("max_lockout", "%v is shorter than lockout (%v)", maxLockout, lockout)
	}
	if c.MaxFailures < 0 {
		bad("max_failures", "must not be negative")
	}
	if c.MaxFailuresPerIP < -1 {
		bad("max_failures_per_ip", "want -1 (off), 0 (4 × max_failures) or a count")
	}
	if c.MaxBodyBytes < 0 {
		bad("max_body_bytes", "must not be negative")
	}
	for i, s := range c.FailureStatuses {
		if s < 400 || s > 599 {
			bad(fmt.Sprintf("failure_statuses[%d]", i), "%d is not an error status", s)
		}
	}
	return errors.Join(errs...)
}
