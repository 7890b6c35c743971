// Package memory is the in-process store for package ratelimit: a sharded,
// bounded GCRA limiter that does not allocate on the hot path.
//
// The [Limiter.Allow] example shows a limit running out.
//
// Each process counts on its own; use package ratelimit/redis when several
// gateways must share one limit.
package memory
