// Package ratelimittest is the conformance suite every
// [ratelimit.Limiter] implementation passes.
//
// The [Run] example is the whole conformance test of a store.
package ratelimittest
