package ratelimit

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/problem"
)

// Policy is one limit applied to a route. A route may carry several, e.g.
// a burst limit and an hourly quota; a request must pass all of them.
// They are checked in order and the first refusal stops the check, so a
// request refused by a later policy has still spent a unit of the earlier
// ones: list the policy most likely to refuse first.
type Policy struct {
	// Key is a [ParseKey] specification; empty means "ip".
	Key string
	// KeyFunc, when set, replaces Key.
	KeyFunc KeyFunc
	// PerRoute counts each route separately (rampart.Info.Route is part
	// of the key); otherwise the key is shared by every route using an
	// equal limit.
	PerRoute bool
	// Limit is the rate; required unless Limiter is set.
	Limit Limit
	// Limiter, when set, replaces the one Config.Store would make.
	Limiter Limiter
}

// Config configures a [Middleware]. The zero value limits nothing.
type Config struct {
	Policies []Policy
	// Store makes each policy's limiter.
	Store Store
	// OnStoreError is what to do when the store fails; zero means
	// [FailClosed].
	OnStoreError OnStoreError
	// Fallback makes the per-process limiters used with [Local];
	// required then (usually memory.Store{}).
	Fallback Store
	// Monitor tracks the store's health. Share one between every
	// middleware using the same store so that an outage is reported once.
	// Nil makes a private one logging to Events and slog.Default().
	Monitor *Monitor
	// Headers selects the response headers; zero means [HeadersDraft7].
	Headers Headers
	// LegacyHeaders adds X-RateLimit-Limit, -Remaining and -Reset (Unix
	// seconds), for clients written against GitHub-style APIs.
	LegacyHeaders bool
	// Events receives ratelimit.exceeded (OWASP API4).
	Events *audit.Logger
	// ErrorHandler renders refusals; nil means problem.Write.
	ErrorHandler problem.ErrorHandler
	// Now is the clock of legacy reset times; nil means time.Now.
	Now func() time.Time
}

// Configuration errors, each wrapped by a *ConfigError.
var (
	ErrNoLimiter    = errors.New("ratelimit: policy has neither Limiter nor Store")
	ErrNoFallback   = errors.New("ratelimit: on_store_error local needs a Fallback store")
	ErrBadMode      = errors.New("ratelimit: unknown on_store_error")
	ErrBadHeaders   = errors.New("ratelimit: unknown headers format")
	ErrBadPolicyKey = errors.New("ratelimit: bad key")
)

// ConfigError reports one problem with one field of a Config.
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return "ratelimit: " + e.Field + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

type policy struct {
	key      KeyFunc
	perRoute bool
	limit    Limit
	primary  Limiter
	bytes    BytesLimiter // primary, when it takes keys as bytes
	fallback Limiter
	reason   string
}

// Middleware enforces a list of policies. It is immutable once built and
// safe for concurrent use.
type Middleware struct {
	policies     []policy
	mode         OnStoreError
	monitor      *Monitor
	headers      bool
	legacy       bool
	policyHdr    []string
	events       *audit.Logger
	errorHandler problem.ErrorHandler
	now          func() time.Time
}

// New validates cfg, reporting every problem at once, and builds the
// limiters.
func New(cfg Config) (*Middleware, error) {
	var errs []error
	m := &Middleware{
		monitor:      cfg.Monitor,
		legacy:       cfg.LegacyHeaders,
		events:       cfg.Events,
		errorHandler: cfg.ErrorHandler,
		now:          cfg.Now,
	}
	mode, err := cfg.OnStoreError.Resolve(cfg.Fallback != nil)
	m.mode = mode
	switch {
	case err == ErrNoFallback:
		errs = append(errs, &ConfigError{"Fallback", err})
	case err != nil:
		errs = append(errs, &ConfigError{"OnStoreError", err})
	}
	switch cfg.Headers {
	case "", HeadersDraft7:
		m.headers = true
	case HeadersNone:
	default:
		errs = append(errs, &ConfigError{"Headers", fmt.Errorf("%w: %w", ErrBadHeaders, &HeadersError{cfg.Headers})})
	}
	var policyItems []string
	for i, pc := range cfg.Policies {
		field := "Policies[" + strconv.Itoa(i) + "]"
		p := policy{key: pc.KeyFunc, perRoute: pc.PerRoute, limit: pc.Limit, primary: pc.Limiter}
		if p.key == nil {
			spec := pc.Key
			if spec == "" {
				spec = "ip"
			}
			k, err := ParseKey(spec)
			if err != nil {
				errs = append(errs, &ConfigError{field + ".Key", fmt.Errorf("%w: %w", ErrBadPolicyKey, err)})
			}
			p.key = k
		}
		if err := pc.Limit.Validate(); err != nil && pc.Limiter == nil {
			errs = append(errs, &ConfigError{field + ".Limit", err})
			continue
		}
		if p.primary == nil {
			if cfg.Store == nil {
				errs = append(errs, &ConfigError{field, ErrNoLimiter})
				continue
			}
			l, err := cfg.Store.NewLimiter(pc.Limit)
			if err != nil {
				errs = append(errs, &ConfigError{field, err})
				continue
			}
			p.primary = l
		}
		if m.mode == Local && cfg.Fallback != nil {
			l, err := cfg.Fallback.NewLimiter(pc.Limit)
			if err != nil {
				errs = append(errs, &ConfigError{field + " fallback", err})
				continue
			}
			p.fallback = l
		}
		p.bytes, _ = p.primary.(BytesLimiter)
		p.reason = "rate limit " + pc.Limit.String() + " exceeded"
		m.policies = append(m.policies, p)
		if pc.Limit.Validate() == nil {
			policyItems = append(policyItems, policyHeader(pc.Limit))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(policyItems) > 0 {
		m.policyHdr = []string{strings.Join(policyItems, ", ")}
	}
	if m.monitor == nil {
		m.monitor, _ = NewMonitor(MonitorConfig{Events: cfg.Events, Now: cfg.Now})
	}
	if m.errorHandler == nil {
		m.errorHandler = problem.Write
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m, nil
}

// keyBufSize fits every key Rampart builds (route + tag + 64-byte value).
const keyBufSize = 256

// keyBufs recycles key buffers: a buffer passed to a KeyFunc escapes, so a
// stack array would cost an allocation per request.
var keyBufs = sync.Pool{New: func() any { return new([keyBufSize]byte) }}

// Handler limits requests to next. It trusts the client IP and principal
// in [rampart.Info] (set by package clientip and authentication); without
// them it keys by the TCP peer. It fails closed on store errors unless
// configured otherwise. A zero-policy Middleware returns next unchanged.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	if m == nil || len(m.policies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := keyBufs.Get().(*[keyBufSize]byte)
		defer keyBufs.Put(buf)
		ctx := r.Context()
		info := rampart.InfoFrom(ctx)
		useStore := m.monitor.Try()
		answered := false
		var shown Decision
		shownSet := false
		for i := range m.policies {
			p := &m.policies[i]
			k := buf[:0]
			if p.perRoute {
				if info != nil {
					k = append(k, info.Route...)
				}
				k = append(k, '|')
			}
			start := len(k)
			var ok bool
			if k, ok = p.key(k, r); !ok {
				k, _ = IPKey(k[:start], r)
			}

			var d Decision
			var err error
			decided := false
			if useStore {
				if p.bytes != nil {
					d, err = p.bytes.AllowBytes(ctx, k, 1)
				} else {
					d, err = p.primary.Allow(ctx, string(k), 1)
				}
				if err == nil {
					answered, decided = true, true
				} else if ctx.Err() != nil {
					return // the client is gone; nothing to answer
				} else {
					m.monitor.Failure(r, err)
					useStore = false
				}
			}
			if !decided {
				pass, local := m.monitor.Degraded(w, r, m.mode, m.errorHandler, "rate limit store unavailable")
				switch {
				case pass:
					continue
				case !local:
					return
				}
				if d, err = p.fallback.Allow(ctx, string(k), 1); err != nil {
					m.monitor.Refuse(w, r, m.errorHandler, "rate limit store unavailable")
					return
				}
			}
			if !d.Allowed {
				shown, shownSet = d, true
				if answered {
					m.monitor.Success(r)
				}
				m.setHeaders(w, info, shown)
				m.events.Emit(r, audit.Event{Name: audit.RateLimitExceeded, Reason: p.reason, OWASP: audit.OWASPResource, Status: http.StatusTooManyRequests})
				m.errorHandler(w, r, Exceeded(d.RetryAfter, p.reason))
				return
			}
			if !shownSet || d.Remaining < shown.Remaining || d.Remaining == shown.Remaining && d.ResetAfter > shown.ResetAfter {
				shown, shownSet = d, true
			}
		}
		if answered {
			m.monitor.Success(r)
		}
		if shownSet {
			m.setHeaders(w, info, shown)
		}
		next.ServeHTTP(w, r)
	})
}

func (m *Middleware) setHeaders(w http.ResponseWriter, info *rampart.Info, d Decision) {
	if !m.headers && !m.legacy {
		return
	}
	h := w.Header()
	if m.headers {
		if m.policyHdr != nil {
			h[HeaderRateLimitPolicy] = m.policyHdr[:1:1]
		}
		h[HeaderRateLimit] = rateLimitValue(info, d.Limit.Burst, d.Remaining, ceilSeconds(d.ResetAfter))
	}
	if m.legacy {
		h[HeaderLegacyLimit] = []string{strconv.Itoa(d.Limit.Burst)}
		h[HeaderLegacyRemaining] = []string{strconv.Itoa(d.Remaining)}
		h[HeaderLegacyReset] = []string{strconv.FormatInt(m.now().Add(d.ResetAfter).Add(time.Second-1).Unix(), 10)}
	}
}
