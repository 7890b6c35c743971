package jwt

import (
	"net/http"
	"strings"

	"github.com/rampart-api/rampart"
	bearerhdr "github.com/rampart-api/rampart/internal/bearer"
)

// extract returns the token a request presents: from the configured
// header (Authorization by default) with the Bearer scheme
// (case-insensitive, RFC 6750 section 2.1) or, with Scheme none, as the
// whole header value; or else from the configured cookie. It never reads
// the query string or a form body (RFC 6750 section 2.3 is a leak into
// logs and Referer headers).
//
// It trusts nothing in the request. Two token headers, or a Bearer scheme
// without a token, are refused rather than guessed at; with the Bearer
// scheme, another scheme (Basic, an API key) is not this authenticator's
// business and yields rampart.ErrNoCredentials so that the next one may
// try. With Scheme none, any value is taken for a token: the header is
// this authenticator's alone.
//
// A Bearer token must be an RFC 6750 b64token (which every compact JWS
// is); b64 reports that its characters are still to be checked.
// [Authenticator.verify] checks them unless the token is one it verified
// before, which was a b64token then: every request with a token would
// otherwise scan it whole to learn what the cache already says.
func (a *Authenticator) extract(r *http.Request) (tok string, b64 bool, err error) {
	switch h := r.Header[a.header]; len(h) {
	case 0:
	case 1:
		v := h[0]
		if a.rawToken {
			tok := strings.Trim(v, " \t")
			switch {
			case tok == "":
			case len(tok) > a.maxBytes:
				return "", false, invalid(ErrTooLarge)
			default:
				return tok, false, nil
			}
			break
		}
		switch tok, err := bearerhdr.Split(v, a.maxBytes); err {
		case nil:
			return tok, true, nil
		case bearerhdr.ErrTooLong:
			return "", false, invalid(ErrTooLarge)
		case bearerhdr.ErrMalformed:
			return "", false, invalid(ErrMalformed)
		}
		// Another scheme (Basic, an API key, "Bearerx") is not ours.
	default:
		return "", false, invalid(ErrMalformed)
	}
	if a.cookie != "" {
		if c, err := r.Cookie(a.cookie); err == nil && c.Value != "" {
			if len(c.Value) > a.maxBytes {
				return "", false, invalid(ErrTooLarge)
			}
			return c.Value, false, nil
		}
	}
	return "", false, rampart.ErrNoCredentials
}
