// Package rampart holds the types every Rampart middleware shares: the
// verified [Principal], the per-request [Info] (request id, trusted client IP,
// matched route), the [Middleware] type and [Chain], and the
// [Authenticator] interface authentication plugs into.
//
// It imports nothing outside the standard library, so a Go service can use
// any single Rampart package without pulling in the rest. The [Chain]
// example puts request ids, client IPs and security headers in front of a
// handler.
package rampart
