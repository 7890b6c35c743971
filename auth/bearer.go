package auth

import (
	"errors"
	"net/http"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/internal/bearer"
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
	errMultipleAuthorization = rampart.InvalidCredentials(ErrMultipleAuthorization)
	errMalformedBearer       = rampart.InvalidCredentials(ErrMalformedBearer)
	errBearerTooLong         = rampart.InvalidCredentials(ErrBearerTooLong)
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
	tok, err := bearer.Parse(v, MaxBearerLength)
	switch err {
	case nil:
		return tok, nil
	case bearer.ErrNotBearer:
		return "", rampart.ErrNoCredentials
	case bearer.ErrTooLong:
		return "", errBearerTooLong
	default:
		return "", errMalformedBearer
	}
}
