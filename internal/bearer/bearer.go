// Package bearer parses the value of an RFC 6750 "Authorization: Bearer"
// header, once for every authenticator that reads bearer tokens.
package bearer

import (
	"errors"
	"strings"
)

// Reasons [Parse] refuses a header value. They are returned as is, so a
// caller maps them to its own errors with == and allocates nothing.
var (
	// ErrNotBearer is a value in another scheme ("Basic …", "Bearerx …"):
	// not a bearer token, so another authenticator may try.
	ErrNotBearer = errors.New("bearer: not the Bearer scheme")
	// ErrMalformed is the Bearer scheme without a token or, from
	// [Parse], with a token that is not an RFC 6750 b64token.
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
	tok, err := Split(v, maxLen)
	if err != nil {
		return "", err
	}
	if !IsB64Token(tok) {
		return "", ErrMalformed
	}
	return tok, nil
}

// Split is [Parse] without the scan of the token's characters: it returns
// what follows the scheme and its spaces, at most maxLen bytes, which may
// not be a b64token. It is for a caller that looks the token up among
// tokens it verified earlier, which were b64tokens then, and calls
// [IsB64Token] before anything else reads one it does not know.
func Split(v string, maxLen int) (string, error) {
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
	if rest == "" {
		return "", ErrMalformed
	}
	return rest, nil
}

// IsB64Token reports whether s is an RFC 6750 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
// Every request with a token scans it whole, so the characters before the
// padding are checked by table, eight at a time, without a branch per byte.
func IsB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	var bad byte
	for len(body) >= 8 {
		b := body[:8]
		bad |= notB64token[b[0]] | notB64token[b[1]] | notB64token[b[2]] | notB64token[b[3]] |
			notB64token[b[4]] | notB64token[b[5]] | notB64token[b[6]] | notB64token[b[7]]
		body = body[8:]
	}
	for i := 0; i < len(body); i++ {
		bad |= notB64token[body[i]]
	}
	return bad == 0
}

// notB64token is 1 for the bytes that may not come before a b64token's
// padding, 0 for those that may.
var notB64token = func() (t [256]byte) {
	for c := range t {
		t[c] = 1
	}
	for _, r := range [][2]byte{{'a', 'z'}, {'A', 'Z'}, {'0', '9'}} {
		for c := r[0]; c <= r[1]; c++ {
			t[c] = 0
		}
	}
	for _, c := range []byte("-._~+/") {
		t[c] = 0
	}
	return t
}()

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
