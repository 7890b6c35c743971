// Package gateway compiles a [config.Config] into an immutable http.Handler
// — the route table with each route's ready middleware chain — and runs it
// as an HTTP server with graceful shutdown and safe reloads.
//
// Every request takes the same path (see DESIGN.md): recover, request id,
// client IP, access log, security headers, CORS, path normalisation and
// route match, body limit, the route's chain, the upstream proxy. Every
// refusal is a problem+json document.
//
// With a tokens block the gateway also runs the token service (package
// tokens): its endpoints are answered before route matching, the login
// route's upstream answer is exchanged for tokens, and auth.jwt trusts the
// tokens it signs and refuses revoked ones ([Gateway.TokenService]).
//
// The [New] example serves a loaded config.
//
// A [Server] adds reloads that carry unchanged state over (counters,
// lockouts, token and key caches, Redis clients, upstream transports: see
// [Shared]), a drain delay, graceful shutdown, and [Server.StopNow] for a
// second stop signal.
package gateway
