package tokens

import "github.com/rampart-api/rampart/audit"

// The events the service emits, all under OWASP API2:2023 (broken
// authentication).
const (
	EventIssued        = audit.TokenIssued
	EventRefreshed     = audit.TokenRefreshed
	EventRevoked       = audit.TokenRevoked
	EventReuseDetected = audit.TokenReuseDetected
	EventClientFailed  = audit.ClientAuthFailed
)
