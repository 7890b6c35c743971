// Package express holds the seed's own Express API (server.js: express and
// jsonwebtoken, the seed's authenticateToken and authorizeRole) and the
// Rampart configuration that fortifies it without changing it
// (rampart.yaml). Its test starts the API with node and proves through the
// gateway that forged tokens, other users' objects and admin routes are
// refused and that logins are rate-limited and brute-force protected.
//
// server-tokens.js is the same API without jsonwebtoken, and
// rampart-tokens.yaml has Rampart issue, refresh and revoke its tokens: the
// app's login only says whether the password is right, naming the user in
// X-Rampart-Login-Subject and X-Rampart-Login-Roles. Its test logs in,
// refreshes, replays a retired refresh token (the family is revoked),
// logs out and shows the old access token refused.
package express
