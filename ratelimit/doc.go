// Package ratelimit limits request rates with GCRA (the generic cell rate
// algorithm), exactly: under any concurrency a limit of 100 admits 100.
//
// A [Limiter] makes one atomic decision per call; package
// ratelimit/memory keeps state in process, package ratelimit/redis in
// Redis for gateways that share a limit. The [Middleware] applies a list
// of [Policy] values keyed by client IP, subject, claim, API key or
// header, answers 429 problem+json with Retry-After and the draft-7
// RateLimit headers, and handles store outages as configured.
//
// [New] builds the [Middleware] from a [Config]; the examples show it in
// front of a handler, and why it must run after authentication when a
// policy keys on the subject.
package ratelimit
