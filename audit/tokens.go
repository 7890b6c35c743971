package audit

// Token service events. They carry the subject and client id only, never
// a token.
const (
	// TokenIssued: a login exchange or a client_credentials grant issued
	// tokens (OWASP API2, authentication).
	TokenIssued = "token.issued"
	// TokenRefreshed: a refresh token was exchanged for a new pair.
	TokenRefreshed = "token.refreshed"
	// TokenRevoked: tokens were revoked (revocation endpoint, logout,
	// revocation of a subject).
	TokenRevoked = "token.revoked"
	// TokenReuseDetected: a retired refresh token was presented again,
	// the sign of a stolen token; its whole family was revoked.
	TokenReuseDetected = "token.reuse_detected"
	// ClientAuthFailed: a client presented a wrong or unknown secret at
	// the token endpoint.
	ClientAuthFailed = "client.auth_failed"
)
