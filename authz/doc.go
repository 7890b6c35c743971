// Package authz decides whether a verified principal may make a request:
// roles (any of), scopes (all of), object ownership (a path parameter must
// equal a claim — the declarative answer to BOLA, OWASP API1) and tenant
// isolation (a path parameter or header must equal the tenant claim).
//
//	notes, err := authz.New(authz.Config{
//		Roles: []string{"user", "admin"},
//		Owner: &authz.Owner{Param: "id", Claim: "sub", ExceptRoles: []string{"admin"}},
//		Events: events,
//	})
//	if err != nil {
//		return err
//	}
//	h := rampart.Chain(app, authn.Handler, notes.Handler)
//
// [Forwarder] passes the verified identity to the upstream in headers,
// after deleting every copy the client sent.
package authz
