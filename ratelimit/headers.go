package ratelimit

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

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
