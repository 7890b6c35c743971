package auth

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/rampart-api/rampart"
)

// MaxBearerLength caps the bearer token [BearerToken] accepts, so an
// oversized header cannot make an authenticator hash or send megabytes.
const MaxBearerLength = 8 << 10

// Reasons [BearerToken] refuses a presented Authorization header. Each is
// returned wrapped with [rampart.ErrInvalidCredentials].
var (
	ErrMultipleAuthorization = errors.New("auth: more than one Authorization header")
	ErrMalformedBearer       = errors.New("auth: malformed bearer token")
	ErrBearerTooLong         = errors.New("auth: bearer token too long")
)

var (
	errMultipleAuthorization = fmt.Errorf("%w: %w", rampart.ErrInvalidCredentials, ErrMultipleAuthorization)
	errMalformedBearer       = fmt.Errorf("%w: %w", rampart.ErrInvalidCredentials, ErrMalformedBearer)
	errBearerTooLong         = fmt.Errorf("%w: %w", rampart.ErrInvalidCredentials, ErrBearerTooLong)
)

// BearerToken returns the token of an RFC 6750 "Authorization: Bearer"
// header; the scheme is case-insensitive and the token must be a b64token.
//
// It trusts nothing in the header and verifies nothing about the token.
// It returns [rampart.ErrNoCredentials] when there is no Authorization
// header or its scheme is not Bearer (so another authenticator may try),
// and an error wrapping [rampart.ErrInvalidCredentials] for a repeated
// header, an empty, oversized or malformed token. Tokens are never read
// from the query string. It does not allocate on success and is safe for
// concurrent use.
func BearerToken(r *http.Request) (string, error) {
	values := r.Header["Authorization"]
	switch len(values) {
	case 0:
		return "", rampart.ErrNoCredentials
	case 1:
	default:
		return "", errMultipleAuthorization
	}
	return ParseBearer(values[0])
}

// ParseBearer parses one Authorization header value as [BearerToken] does.
func ParseBearer(v string) (string, error) {
	const scheme = "bearer"
	if len(v) < len(scheme) || !equalFoldASCII(v[:len(scheme)], scheme) {
		return "", rampart.ErrNoCredentials
	}
	rest := v[len(scheme):]
	if rest == "" {
		return "", errMalformedBearer
	}
	if rest[0] != ' ' {
		// "Bearerx": another scheme that merely starts with "bearer".
		return "", rampart.ErrNoCredentials
	}
	for rest != "" && rest[0] == ' ' {
		rest = rest[1:]
	}
	if len(rest) > MaxBearerLength {
		return "", errBearerTooLong
	}
	if !isB64Token(rest) {
		return "", errMalformedBearer
	}
	return rest, nil
}

// isB64Token reports whether s is an RFC 6750 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' {
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
