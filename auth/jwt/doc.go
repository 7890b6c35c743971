// Package jwt authenticates requests bearing JWT access tokens (RFC 7519,
// RFC 9068) from one or several issuers, hardened against the known token
// attacks: alg "none", algorithm and key confusion, attacker-chosen keys
// (jku, x5u, embedded jwk), kid injection, duplicate JSON names, oversized
// and malformed tokens.
//
// [New] builds an [Authenticator] from one [IssuerConfig] per issuer (see
// the examples); its Authenticate method makes it a
// [rampart.Authenticator] for package auth.
//
// # Libraries
//
// Signatures are checked by golang-jwt/jwt/v5's signing methods and the
// registered claims (exp required, nbf, iat, iss, aud, leeway) by its
// Validator. JWK Sets are parsed, fetched and refreshed in the background by
// MicahParks/jwkset, the storage layer of MicahParks/keyfunc. keyfunc's own
// Keyfunc is not used: it hands the whole key set to a token without kid and
// makes an unknown-kid request wait for its refresh limiter, where Rampart
// needs a non-blocking limit and its own key policy. go-jose/go-oidc was the
// alternative; it would duplicate jwkset's refresh and key handling and adds
// a second JOSE stack, while go-oidc's remote key set has no limit on
// refetches caused by unknown kids.
//
// Rampart parses the compact serialization itself, strictly, because neither
// library refuses duplicate JSON names, and so that the issuer's allowlist —
// never the token's alg — picks the verification method and the issuer's
// own key set — never a key the token names — supplies the key.
//
// # Tokens apps already issue
//
// An app that signs its own tokens, as jsonwebtoken does by default, writes
// no iss or aud and often a numeric user id. One issuer may then leave
// Issuer empty when its key is static (a secret, a PEM or a JWK Set file):
// the key identifies the issuer and iss is not checked. MaxAge accepts
// tokens without exp by their iat (jsonwebtoken's maxAge). Claim paths
// reach nested claims ("data.id") and exact keys with dots (see
// [claims.Segments]), and integral numbers become their decimal digits.
// Scheme "none" reads a bare token from Header. What stays refused: alg
// none, algorithms outside the allowlist, a public key used as an HMAC
// secret, a token with neither exp nor iat.
//
// The appTokens example shows such an issuer, and alg none still refused.
//
// # Keys
//
// A key must fit the algorithm: RSA of at least 2048 bits (1024 with
// DangerouslyAllowWeakRSA) without the ROCA
// fingerprint for RS*/PS*, the algorithm's own curve for ES*, Ed25519 for
// EdDSA, and an HMAC secret at least as long as the hash for HS*. HMAC
// algorithms are allowed only with a configured secret, so a public key can
// never be used as an HMAC secret. JWK Sets must not mix symmetric and
// asymmetric keys, repeat a kid or hold private key material; keys marked
// for encryption are ignored.
//
// ECDSA signatures must be in low-S form: the high-S twin of a valid
// signature verifies too and would give one token a second string. A
// high-S signature that verifies is refused with [ErrHighS], unless its
// issuer sets [IssuerConfig.DangerouslyAcceptHighS].
//
// # Cache
//
// Verified tokens are cached under a keyed hash of the token (AES of its
// GHASH, under keys drawn per cache that never leave the process; the
// token's SHA-256 where AES-GCM is unavailable), bounded, until their exp
// (or iat + MaxAge when that comes first), and dropped as soon as the key
// that verified them leaves its issuer's set, so a signature is checked
// once per token rather than once per request. The token itself is not
// stored. For an issuer with DangerouslyAcceptHighS the key is that of the
// token's low-S form, so a token and its high-S twin share one entry.
//
// Numeric claims in [rampart.Principal.Claims] are json.Number values.
package jwt
