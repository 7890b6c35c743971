// Package clientip finds the address of the client that sent a request,
// in a way a client cannot spoof.
//
// The client is the TCP peer, unless the peer is one of the configured
// trusted proxies; then it is the rightmost X-Forwarded-For entry that is not
// itself a trusted proxy. Entries left of that one were written by the
// client and are never believed. Rate limits and logs key on the result, so
// taking the leftmost entry (as many frameworks do) would let any client pick
// its own rate-limit bucket.
//
// [New] takes the trusted proxies' prefixes; [Resolver.Handler] stores the
// result in [rampart.Info], as the example shows with spoofed headers.
package clientip
