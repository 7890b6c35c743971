// Package rampart holds the types every Rampart middleware shares: the
// verified [Principal], the per-request [Info] (request id, trusted client IP,
// matched route), the [Middleware] type and [Chain], and the small
// interfaces authentication and authorization plug into.
//
// It imports nothing outside the standard library, so a Go service can use
// any single Rampart package without pulling in the rest:
//
//	h := rampart.Chain(app,
//		requestid.Middleware,
//		ipResolver.Middleware,
//		headers.Handler,
//	)
package rampart
