// Package authz decides whether a verified principal may make a request:
// roles (any of), scopes (all of), object ownership (a path parameter must
// equal a claim — the declarative answer to BOLA, OWASP API1) and tenant
// isolation (a path parameter or header must equal the tenant claim).
//
// An [Authorizer] is built with [New] and runs after authentication (see
// package auth): [Authorizer.Handler] refuses with 401 or 403 problem+json.
// Path parameters come from [rampart.Info.Params], which the gateway's
// router fills; behind a Go 1.22 [net/http.ServeMux], [PathValues] copies a
// pattern's "{id}" there. The examples show both, and what happens without
// authentication in front.
//
// [Forwarder] passes the verified identity to the upstream in headers,
// after deleting every copy the client sent.
package authz
