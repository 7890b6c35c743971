package jwt

import (
	"errors"

	"github.com/rampart-api/rampart"
)

// Precise reasons a token is refused. Every error [Authenticator.Authenticate]
// returns for a presented token wraps [rampart.ErrInvalidCredentials] and
// exactly one of these, so that the auth middleware can log the reason with
// errors.Is while the client sees only RFC 6750's invalid_token.
var (
	ErrMalformed           = errors.New("jwt: malformed token")
	ErrTooLarge            = errors.New("jwt: token too large")
	ErrAlgorithmNotAllowed = errors.New("jwt: algorithm not allowed")
	ErrWrongType           = errors.New("jwt: wrong token type")
	ErrUnknownIssuer       = errors.New("jwt: unknown issuer")
	ErrUnknownKey          = errors.New("jwt: unknown key")
	ErrBadSignature        = errors.New("jwt: bad signature")
	ErrExpired             = errors.New("jwt: token expired")
	ErrNotYetValid         = errors.New("jwt: token not yet valid")
	ErrIssuedInFuture      = errors.New("jwt: token issued in the future")
	ErrWrongIssuer         = errors.New("jwt: wrong issuer")
	ErrWrongAudience       = errors.New("jwt: wrong audience")
	ErrMissingClaim        = errors.New("jwt: required claim missing")
)

// ErrHighS is a high-S ECDSA signature that verifies, from an issuer
// without [IssuerConfig.DangerouslyAcceptHighS]. Its text is the reason in
// the security event, and tells the operator what to do.
var ErrHighS = errors.New("jwt: high-S ECDSA signature: the issuer emits high-S signatures; normalise S at the issuer or set dangerously_accept_high_s on its issuer block")

// ErrConfig is wrapped by every [ConfigError].
var ErrConfig = errors.New("jwt: invalid configuration")

// ConfigError reports one invalid configuration field. [Config.Validate],
// [New] and [Check] return all of them at once, joined.
type ConfigError struct {
	// Field is the path of the field as a rampart.yaml file writes it
	// under auth.jwt, list indexes included: "header",
	// "cache.max_entries", "issuers[1].algorithms[0]",
	// "issuers[0].public_key_file". An issuer's key source as a whole is
	// "issuers[0]". [IssuerConfig.PublicKeyPEM], which files do not
	// have, is "issuers[N].public_key_pem".
	Field string
	// Reason says what is wrong, in the terms of the file.
	Reason string
}

func (e *ConfigError) Error() string { return "jwt: " + e.Field + ": " + e.Reason }

func (e *ConfigError) Unwrap() error { return ErrConfig }

// invalidErrors holds one [*rampart.CredentialsError] per reason. The
// values are built once, so refusing a flood of bad tokens allocates no
// error values.
var invalidErrors = func() map[error]error {
	m := make(map[error]error)
	for _, r := range []error{
		ErrMalformed, ErrTooLarge, ErrAlgorithmNotAllowed, ErrWrongType, ErrUnknownIssuer,
		ErrUnknownKey, ErrBadSignature, ErrExpired, ErrNotYetValid, ErrIssuedInFuture,
		ErrWrongIssuer, ErrWrongAudience, ErrMissingClaim,
		ErrHighS, ErrRevoked,
	} {
		m[r] = rampart.InvalidCredentials(r)
	}
	return m
}()

// invalid returns the error for a refused token with the given reason, one
// of the sentinels above.
func invalid(reason error) error {
	if e, ok := invalidErrors[reason]; ok {
		return e
	}
	return rampart.InvalidCredentials(reason)
}
