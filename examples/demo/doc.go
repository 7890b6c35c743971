// Package demo is Rampart's self-contained demonstration: a deliberately
// naive example API shaped like the one in the seed article (login, a
// protected resource, an admin area, users who own notes) and Rampart in
// front of it, configured by rampart.yaml in this folder.
//
// The naive API makes the mistakes real APIs make: no security headers, an
// X-Powered-By banner, CORS that reflects any origin with credentials,
// stack traces in error responses, tokens decoded without verifying their
// signature, other users' notes readable by id, any logged-in user in the
// admin area, a sign-up that accepts "role", password hashes in user
// objects and no rate limit on login. Through the gateway, none of that
// reaches a client.
//
//	go run ./cmd/rampart demo
package demo
