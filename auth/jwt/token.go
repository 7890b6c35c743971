package jwt

import (
	"net/http"
	"strings"

	"github.com/rampart-api/rampart"
)

// extract returns the token a request presents: from the Authorization
// header with the Bearer scheme (case-insensitive, RFC 6750 section 2.1), or
// else from the configured cookie. It never reads the query string or a
// form body (RFC 6750 section 2.3 is a leak into logs and Referer headers).
//
// It trusts nothing in the request. Two Authorization headers, or a Bearer
// scheme without a token, are refused rather than guessed at; another scheme
// (Basic, an API key) is not this authenticator's business and yields
// rampart.ErrNoCredentials so that the next one may try.
func extract(r *http.Request, cookie string, maxBytes int) (string, error) {
	switch h := r.Header["Authorization"]; len(h) {
	case 0:
	case 1:
		v := h[0]
		const scheme = "bearer"
		if len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) {
			rest := v[len(scheme):]
			if rest == "" || rest[0] != ' ' {
				if rest == "" {
					return "", invalid(ErrMalformed)
				}
				break // another scheme that starts with "bearer"
			}
			tok := strings.TrimLeft(rest, " ")
			if tok == "" {
				return "", invalid(ErrMalformed)
			}
			if len(tok) > maxBytes {
				return "", invalid(ErrTooLarge)
			}
			return tok, nil
		}
	default:
		return "", invalid(ErrMalformed)
	}
	if cookie != "" {
		if c, err := r.Cookie(cookie); err == nil && c.Value != "" {
			if len(c.Value) > maxBytes {
				return "", invalid(ErrTooLarge)
			}
			return c.Value, nil
		}
	}
	return "", rampart.ErrNoCredentials
}
