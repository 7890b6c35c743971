// Package deadline holds a caller to its context's deadline even when the
// callee overstays it.
package deadline

import "context"

// Call runs f(ctx) and returns its result, or ctx's error as soon as ctx
// is done, whichever comes first. A call that overstays finishes on its
// own goroutine and its result is dropped, so f must bound itself (by
// ctx, or by its own timeouts) and must be safe to abandon. Without a
// Done channel, f runs on the caller's goroutine.
//
// It exists because a client library's timeouts bound each phase of a
// call (waiting for a pooled connection, dialling, handshaking, reading)
// separately, and the phases can add up past the caller's deadline.
func Call[T any](ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	if ctx.Done() == nil {
		return f(ctx)
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f(ctx)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}
