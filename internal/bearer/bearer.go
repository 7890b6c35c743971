// Package bearer parses the value of an RFC 6750 "Authorization: Bearer"
// header, once for every authenticator that reads bearer tokens.
package bearer

import "errors"

// Reasons [Parse] refuses a header value. They are returned as is, so a
// caller maps them to its own errors with == and allocates nothing.
var (
	// ErrNotBearer is a value in another scheme ("Basic …", "Bearerx …"):
	// not a bearer token, so another authenticator may try.
	ErrNotBearer = errors.New("bearer: not the Bearer scheme")
	// ErrMalformed is the Bearer scheme without a token or with a token
	// that is not an RFC 6750 b64token.
	ErrMalformed = errors.New("bearer: malformed token")
	// ErrTooLong is a token longer than the caller's maximum.
	ErrTooLong = errors.New("bearer: token too long")
)

// Parse returns the token of one Authorization header value: the scheme
// "Bearer" (compared case-insensitively), one or more spaces, and a
// b64token of at most maxLen bytes.
//
// It trusts nothing in the value and verifies nothing about the token;
// the length is checked before the token's bytes are scanned. It does not
// allocate and is safe for concurrent use.
func Parse(v string, maxLen int) (string, error) {
	const scheme = "bearer"
	if len(v) < len(scheme) || !equalFoldASCII(v[:len(scheme)], scheme) {
		return "", ErrNotBearer
	}
	rest := v[len(scheme):]
	if rest == "" {
		return "", ErrMalformed
	}
	if rest[0] != ' ' {
		// "Bearerx": another scheme that merely starts with "bearer".
		return "", ErrNotBearer
	}
	for rest != "" && rest[0] == ' ' {
		rest = rest[1:]
	}
	if len(rest) > maxLen {
		return "", ErrTooLong
	}
	if !isB64Token(rest) {
		return "", ErrMalformed
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

// equalFoldASCII reports whether a equals the lower-case ASCII word b,
// ignoring ASCII case only.
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
