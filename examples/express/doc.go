// Package express holds the seed's own Express API (server.js: express and
// jsonwebtoken, the seed's authenticateToken and authorizeRole) and the
// Rampart configuration that fortifies it without changing it
// (rampart.yaml). Its test starts the API with node and proves through the
// gateway that forged tokens, other users' objects and admin routes are
// refused and that logins are rate-limited and brute-force protected.
package express
