// Package introspect authenticates opaque bearer tokens with OAuth 2.0
// Token Introspection (RFC 7662): the token is POSTed to the identity
// provider's introspection endpoint, with the gateway's client
// credentials, and an "active" answer becomes a [rampart.Principal] whose
// subject, roles, scopes and tenant come from configurable claim paths.
//
// Answers are cached by the SHA-256 of the token (never the token), in a
// bounded LRU; an entry lives no longer than the token's exp and
// Config.CacheTTL, so a revoked token is refused again within CacheTTL.
// Concurrent requests with the same token share one call to the endpoint.
// An endpoint that is slow, down or answers garbage is a technical
// failure (503), never "invalid credentials".
//
// [New] builds the [Authenticator], for package auth; the example runs it
// against a stand-in endpoint.
package introspect
