// Package tokens is Rampart's token service: it issues, refreshes and
// revokes an API's tokens, so that the app behind the gateway keeps only
// "is this password right?".
//
// A [Service] signs short-lived access tokens (JWT, ES256 or EdDSA, typ
// at+jwt, RFC 9068 claims) with keys it generates, rotates and keeps in a
// [Store], their private halves sealed with AES-256-GCM under a
// key-encryption key ([Sealer]); retired public keys stay in the JWK Set
// until every token they signed has expired. Refresh tokens are opaque
// 256-bit values stored as SHA-256 hashes, rotated on every use; a
// retired one presented again revokes its whole family (RFC 9700
// section 4.14.2). Revoked access tokens are refused by every gateway
// sharing the store through [Service.Revoked], an in-memory set kept in
// sync by polling and, on PostgreSQL, LISTEN/NOTIFY.
//
// The service is an [http.Handler] for its endpoints: the token endpoint
// (refresh_token and client_credentials grants, RFC 6749), the revocation
// endpoint (RFC 7009), an optional logout path, the JWK Set and the
// discovery document. [Service.LoginExchange] turns an app's login
// answer into a token pair. The gateway's own JWT verifier trusts the
// service's tokens with the service as its key source and revocation
// check (auth/jwt IssuerConfig.KeySource, Config.Revocation).
//
// Stores: package tokens/sqlitestore (the default, one file) and package
// tokens/pgstore (several machines), both passing tokens/storetest.
//
//	st, _ := sqlitestore.Open(ctx, "tokens.db")
//	svc, err := tokens.New(ctx, tokens.Config{
//		Issuer: "https://api.example.com", Audience: "api",
//		Store: st, KeyEncryptionKey: kek, // 32+ random bytes
//	})
//	mux.Handle("/oauth/", svc)
//	login, _ := svc.LoginExchange(tokens.LoginConfig{})
//	mux.Handle("/api/login", login(app))
package tokens
