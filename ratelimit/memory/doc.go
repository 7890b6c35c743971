// Package memory is the in-process store for package ratelimit: a sharded,
// bounded GCRA limiter that does not allocate on the hot path.
//
//	l, err := memory.New(memory.Config{Limit: ratelimit.PerMinute(60)})
//	if err != nil {
//		return err
//	}
//	d, _ := l.Allow(ctx, "ip:203.0.113.7", 1)
//	if !d.Allowed {
//		// refuse, retry after d.RetryAfter
//	}
//
// Each process counts on its own; use package ratelimit/redis when several
// gateways must share one limit.
package memory
