package ratelimit

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/clientip"
)

// KeyFunc appends the limiting key of r to dst and reports whether the
// request carried the key's source. When it did not (no verified
// principal, no such claim or header), the middleware limits the request
// by client IP instead, so that omitting a header never escapes a limit.
// Keys are opaque: attacker-controlled values (headers, API keys) are
// hashed, never stored or logged as sent.
type KeyFunc func(dst []byte, r *http.Request) ([]byte, bool)

// DefaultAPIKeyHeader is the header the "apikey" key reads.
const DefaultAPIKeyHeader = "X-API-Key"

// KeyError reports an unknown or malformed key specification.
type KeyError struct {
	Spec   string
	Reason string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("ratelimit: key %q: %s", e.Spec, e.Reason)
}

// ParseKey returns the KeyFunc for a specification:
//
//	ip            the trusted client IP (rampart.Info.ClientIP), IPv6 by /64
//	subject       the verified principal's subject
//	claim:NAME    a verified claim of the principal
//	apikey        a hash of the X-API-Key header (apikey:HEADER for another)
//	header:NAME   a hash of a request header
//
// Keys of each kind start with their own tag, so values of different kinds
// never collide.
func ParseKey(spec string) (KeyFunc, error) {
	kind, arg, hasArg := strings.Cut(spec, ":")
	switch kind {
	case "ip":
		if hasArg {
			return nil, &KeyError{spec, "ip takes no argument"}
		}
		return IPKey, nil
	case "subject":
		if hasArg {
			return nil, &KeyError{spec, "subject takes no argument"}
		}
		return SubjectKey, nil
	case "claim":
		if arg == "" {
			return nil, &KeyError{spec, "claim needs a name, as claim:tenant"}
		}
		return ClaimKey(arg), nil
	case "apikey":
		if !hasArg {
			arg = DefaultAPIKeyHeader
		}
		if !httpguts.ValidHeaderFieldName(arg) {
			return nil, &KeyError{spec, "not a header name"}
		}
		return headerKey("k:", arg), nil
	case "header":
		if !httpguts.ValidHeaderFieldName(arg) {
			return nil, &KeyError{spec, "header needs a name, as header:X-Tenant"}
		}
		return headerKey("h:", arg), nil
	}
	return nil, &KeyError{spec, "unknown kind; want ip, subject, claim:NAME, apikey or header:NAME"}
}

// IPKey keys by the trusted client IP that package clientip stored in
// [rampart.Info]; IPv6 addresses are grouped by /64, since one host
// usually owns a whole /64. Without an Info it uses the TCP peer address,
// never a forwarding header: a client cannot choose its key.
func IPKey(dst []byte, r *http.Request) ([]byte, bool) {
	return appendIP(append(dst, "ip:"...), clientip.Group(r)), true
}

func appendIP(dst []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return append(dst, "unknown"...)
	}
	return a.AppendTo(dst)
}

// SubjectKey keys by the verified principal's subject.
func SubjectKey(dst []byte, r *http.Request) ([]byte, bool) {
	p := rampart.PrincipalFrom(r.Context())
	if p == nil || p.Subject == "" {
		return dst, false
	}
	return appendBounded(append(dst, "s:"...), p.Subject), true
}

// ClaimKey keys by a verified claim of the principal. Strings and numbers
// are used; other claim types count as absent.
func ClaimKey(name string) KeyFunc {
	tag := "c:" + name + ":"
	return func(dst []byte, r *http.Request) ([]byte, bool) {
		p := rampart.PrincipalFrom(r.Context())
		if p == nil {
			return dst, false
		}
		switch v := p.Claims[name].(type) {
		case string:
			if v == "" {
				return dst, false
			}
			return appendBounded(append(dst, tag...), v), true
		case float64:
			return strconv.AppendFloat(append(dst, tag...), v, 'g', -1, 64), true
		case int64:
			return strconv.AppendInt(append(dst, tag...), v, 10), true
		case int:
			return strconv.AppendInt(append(dst, tag...), int64(v), 10), true
		}
		return dst, false
	}
}

// headerKey keys by a hash of a header's value: the value is unverified,
// possibly a secret (an API key), and of any length.
func headerKey(tag, name string) KeyFunc {
	name = http.CanonicalHeaderKey(name)
	return func(dst []byte, r *http.Request) ([]byte, bool) {
		v := r.Header[name]
		if len(v) == 0 || v[0] == "" {
			return dst, false
		}
		return appendHash(append(dst, tag...), v[0]), true
	}
}

// maxRawKey is the longest verified value used as is; longer ones are
// hashed so that keys stay small.
const maxRawKey = 64

func appendBounded(dst []byte, v string) []byte {
	if len(v) > maxRawKey {
		return appendHash(append(dst, '#'), v)
	}
	return append(dst, v...)
}

// appendHash appends the first 128 bits of SHA-256(v), base64url: enough
// to keep distinct values apart, and the value itself is not recoverable
// from a high-entropy secret.
func appendHash(dst []byte, v string) []byte {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.AppendEncode(dst, sum[:16])
}
