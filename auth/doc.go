// Package auth runs a route's authenticators and turns their answers into
// the only responses a client sees: the verified [rampart.Principal] is
// stored in the request's [rampart.Info], or the request ends with a 401
// (RFC 6750 challenge) or a 503 problem, and a security event records the
// precise reason.
//
// Authenticators live in subpackages (auth/jwt, auth/apikey,
// auth/introspect); any [rampart.Authenticator] works.
//
// [New] builds a [Chain] of any [rampart.Authenticator] values; the
// [Chain.Handler] example shows the answers a client gets.
//
// [BearerToken] extracts an RFC 6750 bearer token for authenticators that
// read the Authorization header.
package auth
