// Package concurrency caps requests in flight, per upstream and per client
// IP, so that slow endpoints cannot be used to exhaust the gateway or the
// service behind it (OWASP API4). Over a cap the answer is 503
// problem+json with Retry-After.
//
// See the [Limiter] example.
package concurrency
