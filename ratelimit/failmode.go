package ratelimit

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/rampart-api/rampart/problem"
)

// Resolve validates m for a middleware that has (or lacks) a per-process
// fallback store and returns the mode it runs in: m, or [FailClosed] for
// the zero value. The error is [ErrNoFallback] for [Local] without a
// fallback, or wraps [ErrBadMode] for an unknown mode. Rate limits and
// brute-force protection both resolve their on_store_error here, so the
// two cannot drift apart.
func (m OnStoreError) Resolve(haveFallback bool) (OnStoreError, error) {
	switch m {
	case "":
		return FailClosed, nil
	case FailClosed, FailOpen:
		return m, nil
	case Local:
		if !haveFallback {
			return m, ErrNoFallback
		}
		return m, nil
	}
	return m, fmt.Errorf("%w %q", ErrBadMode, string(m))
}

// Degraded handles a request the store could not decide, under mode:
// [FailOpen] lets it through uncounted (pass), [Local] sends it to the
// per-process fallback (useFallback); anything else, [FailClosed] first,
// refuses it as [Monitor.Refuse] does and returns false for both. It
// fails closed for every mode it does not know.
func (mon *Monitor) Degraded(w http.ResponseWriter, r *http.Request, mode OnStoreError, h problem.ErrorHandler, detail string) (pass, useFallback bool) {
	switch mode {
	case FailOpen:
		return true, false
	case Local:
		return false, true
	}
	mon.Refuse(w, r, h, detail)
	return false, false
}

// Refuse answers a request no store could decide: 503 with detail and a
// Retry-After of the probe interval, when the store is next tried,
// written through h.
func (mon *Monitor) Refuse(w http.ResponseWriter, r *http.Request, h problem.ErrorHandler, detail string) {
	h(w, r, problem.New(http.StatusServiceUnavailable, detail).
		WithHeader(HeaderRetryAfter, strconv.FormatInt(ceilSeconds(mon.cfg.ProbeInterval), 10)))
}
