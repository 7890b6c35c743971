// Package claims reads values out of verified JWT or introspection claims by
// a configured path, such as "roles", "realm_access.roles" (Keycloak) or
// "https://example.com/roles" (Auth0 namespaced claims).
//
// A path is parsed once, at configuration time, into a [Path]; looking it up
// then costs a few map reads and allocates nothing.
//
// Parse a path once with [Parse] and look it up per request on verified
// claims (see the example).
//
// A key present verbatim wins over walking dots, so namespaced claim names
// that contain dots work without escaping. Where that is ambiguous, a path
// written as a JSON array of exact keys, `["https://example.com/claims",
// "roles"]` (see [Segments]), never splits a key.
//
// Values are read as apps write them: [String] renders an integral number
// as its decimal digits (a numeric user id 42 is "42", and large ids decoded
// with json.Number keep every digit), and [Strings] takes a single string or
// an array.
package claims
