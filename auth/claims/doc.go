// Package claims reads values out of verified JWT or introspection claims by
// a configured path, such as "roles", "realm_access.roles" (Keycloak) or
// "https://example.com/roles" (Auth0 namespaced claims).
//
// A path is parsed once, at configuration time, into a [Path]; looking it up
// then costs a few map reads and allocates nothing:
//
//	roles, err := claims.Parse("realm_access.roles")
//	if err != nil {
//		return err
//	}
//	// per request, on claims that were verified:
//	v, ok := roles.Lookup(verified)
//	if ok {
//		p.Roles = claims.Strings(v)
//	}
//
// A key present verbatim wins over walking dots, so namespaced claim names
// that contain dots work without escaping.
package claims
