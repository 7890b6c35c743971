package ratelimit

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unsafe"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/problem"
)

// Headers selects the rate-limit response headers.
type Headers string

// Header formats. [HeadersDraft7] is the default: it is the combined form
// of draft-ietf-httpapi-ratelimit-headers-07 that express-rate-limit's
// standardHeaders "draft-7" sends, the form most clients know:
//
//	RateLimit-Policy: 100;w=900
//	RateLimit: limit=100, remaining=99, reset=60
//
// With several policies on a route, RateLimit-Policy lists them all and
// RateLimit describes the one closest to refusing. reset is the number of
// seconds until that policy's full quota is back.
const (
	HeadersDraft7 Headers = "draft-7"
	HeadersNone   Headers = "none"
)

// HeadersError reports an unknown header format.
type HeadersError struct{ Value Headers }

func (e *HeadersError) Error() string {
	return fmt.Sprintf("ratelimit: headers %q: want %q or %q", string(e.Value), HeadersDraft7, HeadersNone)
}

// Header names, canonical.
const (
	HeaderRateLimit       = "Ratelimit"
	HeaderRateLimitPolicy = "Ratelimit-Policy"
	HeaderRetryAfter      = "Retry-After"
	HeaderLegacyLimit     = "X-Ratelimit-Limit"
	HeaderLegacyRemaining = "X-Ratelimit-Remaining"
	HeaderLegacyReset     = "X-Ratelimit-Reset"
)

// policyHeader renders one RateLimit-Policy item: "100;w=900".
func policyHeader(l Limit) string {
	return strconv.Itoa(l.Burst) + ";w=" + strconv.FormatInt(ceilSeconds(l.Period), 10)
}

// ceilSeconds rounds d up to whole seconds, so that a client waiting that
// long is never refused again for the same reason.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// Exceeded returns the 429 problem every Rampart limit sends, rate limit
// and brute-force lockout alike, so that no refusal reveals which rule, or
// which username, caused it. retryAfter is rounded up to whole seconds
// (at least one).
func Exceeded(retryAfter time.Duration, reason string) *problem.Error {
	s := ceilSeconds(retryAfter)
	if s < 1 {
		s = 1
	}
	p := &problem.Error{
		Status: http.StatusTooManyRequests,
		Detail: "Too many requests; retry after the delay in Retry-After.",
		Reason: reason,
		Header: http.Header{HeaderRetryAfter: {strconv.FormatInt(s, 10)}},
	}
	return p
}

// rateLimitBuf is a RateLimit header's value slice and the bytes of its
// value, allocated together in 64 bytes. buf holds the common values
// ("limit=1000000, remaining=999999, reset=3600" is 43 bytes); a longer
// one is appended to a buffer of its own.
type rateLimitBuf struct {
	v   [1]string
	buf [48]byte
}

// rateLimitValue returns the RateLimit header value
// "limit=L, remaining=R, reset=S" as a one-element slice. With the
// request's Info, the slice and the bytes come from the Info's storage
// while it has room (see [rampart.Info.HeaderValue] and
// [rampart.Info.Text]); otherwise they take one allocation when the value
// fits rateLimitBuf. The string's bytes are never written again once it
// is made.
func rateLimitValue(info *rampart.Info, limit, remaining int, reset int64) []string {
	if info != nil {
		var buf [64]byte
		return info.HeaderValue(info.Text(appendRateLimit(buf[:0], limit, remaining, reset)))
	}
	x := new(rateLimitBuf)
	s := appendRateLimit(x.buf[:0], limit, remaining, reset)
	x.v[0] = unsafe.String(unsafe.SliceData(s), len(s))
	return x.v[:1:1]
}

func appendRateLimit(s []byte, limit, remaining int, reset int64) []byte {
	s = append(s, "limit="...)
	s = strconv.AppendInt(s, int64(limit), 10)
	s = append(s, ", remaining="...)
	s = strconv.AppendInt(s, int64(remaining), 10)
	s = append(s, ", reset="...)
	return strconv.AppendInt(s, reset, 10)
}
