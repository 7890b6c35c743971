package bruteforce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/internal/respwriter"
	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/ratelimit"
)

// Defaults for [Config].
const (
	DefaultMaxFailures  = 5
	DefaultWindow       = 15 * time.Minute
	DefaultLockout      = 15 * time.Minute
	DefaultMaxLockout   = 24 * time.Hour
	DefaultForget       = 24 * time.Hour
	DefaultMaxBodyBytes = 64 << 10
	// DefaultIPFactor multiplies MaxFailures for the per-IP counter when
	// MaxFailuresPerIP is zero: several users behind one NAT may fail.
	DefaultIPFactor = 4
)

// Config configures a [Guard]. Durations and counts left zero take the
// defaults above.
type Config struct {
	// UsernameField names the username: a top-level JSON member, a form
	// or multipart field, or a query parameter, all of which are read
	// (names compared with Unicode case folding, as Go's encoding/json
	// matches them), as is the user-id of Authorization: Basic
	// credentials. Empty counts failures per client IP only.
	UsernameField string
	// MaxFailures per username within Window start a lockout.
	MaxFailures int
	// MaxFailuresPerIP per client IP within Window start a lockout of
	// that IP; 0 means DefaultIPFactor × MaxFailures, -1 disables it.
	MaxFailuresPerIP int
	Window           time.Duration
	// Lockout is the first lockout; each next one doubles up to
	// MaxLockout.
	Lockout    time.Duration
	MaxLockout time.Duration
	// Forget is how long after a lockout a new failure still doubles it.
	Forget time.Duration
	// FailureStatuses are the upstream statuses that count as a failed
	// login; nil means 401 and 403.
	FailureStatuses []int
	// MaxBodyBytes bounds the body read to find the username; a longer
	// body is refused with 413 (counting it per IP only would let a
	// padded body escape the username's lockout).
	MaxBodyBytes int64
	// KeySecret, when set, keys usernames by HMAC instead of SHA-256.
	// Gateways sharing a store must share it.
	KeySecret []byte
	// Store holds counters and lockouts; required (a *MemoryStore or
	// bruteforce/redis).
	Store Store
	// OnStoreError: zero means fail_closed (503); local needs Fallback.
	OnStoreError ratelimit.OnStoreError
	Fallback     Store
	// Monitor reports store outages once; share the rate limiter's.
	Monitor *ratelimit.Monitor
	// Events receives bruteforce.locked.
	Events *audit.Logger
	// ErrorHandler renders refusals; nil means [problem.Write].
	ErrorHandler problem.ErrorHandler
}

// Configuration errors.
var (
	ErrNoStore    = errors.New("bruteforce: Store is required")
	ErrNoFallback = errors.New("bruteforce: on_store_error local needs a Fallback store")
	ErrBadMode    = errors.New("bruteforce: unknown on_store_error")
	ErrBadValue   = errors.New("bruteforce: invalid value")
)

// FieldError reports a bad Config field.
type FieldError struct {
	// Field is the setting as a file writes it: "max_lockout",
	// "failure_statuses[1]"; the Go name for Store, Fallback and
	// OnStoreError, which files do not set per route.
	Field string
	// Err is ErrBadValue, ErrNoStore, ErrNoFallback or ErrBadMode, or
	// wraps one.
	Err error
	// Reason says what is wrong with a bad value, in the terms of the
	// file; empty when Err says it all.
	Reason string
}

func (e *FieldError) Error() string {
	if e.Reason != "" {
		return "bruteforce: " + e.Field + ": " + e.Reason
	}
	return "bruteforce: " + e.Field + ": " + e.Err.Error()
}
func (e *FieldError) Unwrap() error { return e.Err }

// Guard protects a login route against password guessing and credential
// stuffing. It is immutable and safe for concurrent use.
type Guard struct {
	field        string
	user, ip     Policy
	ipOn         bool
	failure      map[int]bool
	maxBody      int64
	secret       []byte
	store        Store
	fallback     Store
	mode         ratelimit.OnStoreError
	monitor      *ratelimit.Monitor
	events       *audit.Logger
	errorHandler problem.ErrorHandler
}

// orDefault is d, or def when d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// New validates cfg ([Config.Validate], and a Store), reporting every
// problem at once.
func New(cfg Config) (*Guard, error) {
	var errs []error
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	cfg.Window = orDefault(cfg.Window, DefaultWindow)
	cfg.Lockout = orDefault(cfg.Lockout, DefaultLockout)
	cfg.MaxLockout = orDefault(cfg.MaxLockout, DefaultMaxLockout)
	cfg.Forget = orDefault(cfg.Forget, DefaultForget)
	if cfg.MaxFailures == 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	if cfg.MaxFailuresPerIP == 0 {
		cfg.MaxFailuresPerIP = DefaultIPFactor * cfg.MaxFailures
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.FailureStatuses == nil {
		cfg.FailureStatuses = []int{http.StatusUnauthorized, http.StatusForbidden}
	}
	failure := make(map[int]bool, len(cfg.FailureStatuses))
	for _, s := range cfg.FailureStatuses {
		failure[s] = true
	}
	if cfg.Store == nil {
		errs = append(errs, &FieldError{Field: "Store", Err: ErrNoStore})
	}
	mode, err := cfg.OnStoreError.Resolve(cfg.Fallback != nil)
	switch {
	case err == ratelimit.ErrNoFallback:
		errs = append(errs, &FieldError{Field: "Fallback", Err: ErrNoFallback})
	case err != nil:
		errs = append(errs, &FieldError{Field: "OnStoreError", Err: fmt.Errorf("%w %q", ErrBadMode, string(mode))})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	p := Policy{MaxFailures: cfg.MaxFailures, Window: cfg.Window, Lockout: cfg.Lockout, MaxLockout: cfg.MaxLockout, Forget: cfg.Forget}
	g := &Guard{
		field: cfg.UsernameField, user: p, ip: p, ipOn: cfg.MaxFailuresPerIP > 0,
		failure: failure, maxBody: cfg.MaxBodyBytes, secret: cfg.KeySecret,
		store: cfg.Store, fallback: cfg.Fallback, mode: mode, monitor: cfg.Monitor,
		events: cfg.Events, errorHandler: cfg.ErrorHandler,
	}
	g.ip.MaxFailures = cfg.MaxFailuresPerIP
	if g.monitor == nil {
		g.monitor, _ = ratelimit.NewMonitor(ratelimit.MonitorConfig{Store: "bruteforce", Events: cfg.Events})
	}
	if g.errorHandler == nil {
		g.errorHandler = problem.Write
	}
	return g, nil
}

// Handler guards next, a login endpoint.
//
// Before forwarding, it reads the username from the query string and the
// body (JSON, URL-encoded or multipart; all of them, since frameworks merge
// them) and counts the attempt against the username and the client IP in
// one atomic store step. A locked-out username or IP gets the same 429 as
// any rate limit ([ratelimit.Exceeded]), whether or not the username
// exists; counting first means concurrent attempts can never pass the
// limits, however many arrive at once. After next answers, a failure
// status stays counted; a 2xx clears the username's counter and refunds
// the IP's attempt; any other status refunds both.
//
// A request whose username cannot be read unambiguously is refused, never
// counted per IP only: a body over MaxBodyBytes (413), a charset other
// than UTF-8 or an encoded body (415), a body that is not JSON or a form
// (415), unreadable Basic credentials, a username that is not one string
// or that differs between query, body, Basic credentials and duplicate
// fields (400). It trusts the client IP in rampart.Info
// (else the TCP peer) and the upstream's status; the body is passed on
// byte for byte. It fails closed on store errors unless configured
// otherwise.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		counters := make([]Counter, 0, 2)
		if g.field != "" {
			u, err := g.readUsername(r)
			if err != nil {
				g.refuse(w, r, err)
				return
			}
			if u != "" {
				counters = append(counters, Counter{Key: "bf:u:" + hashKey(g.secret, u), Policy: g.user})
			}
		}
		if g.ipOn {
			counters = append(counters, Counter{Key: "bf:ip:" + clientip.Group(r).String(), Policy: g.ip})
		}
		if len(counters) == 0 {
			next.ServeHTTP(w, r)
			return
		}

		store, ok := g.pick(w, r)
		if !ok {
			return
		}
		var att Attempt
		if store != nil {
			var err error
			att, err = store.Attempt(ctx, counters...)
			if err == nil && store == g.store {
				g.monitor.Success(r)
			}
			if err != nil {
				if store, ok = g.failed(w, r, err); !ok {
					return
				}
				if store != nil {
					if att, err = store.Attempt(ctx, counters...); err != nil {
						store = nil
					}
				}
			}
			if att.Locked > 0 {
				g.events.Emit(r, audit.Event{Name: audit.RateLimitExceeded, Reason: "login locked out", OWASP: audit.OWASPAuth,
					Status: http.StatusTooManyRequests, Attrs: []slog.Attr{slog.String("limit", "bruteforce")}})
				g.errorHandler(w, r, ratelimit.Exceeded(att.Locked, "login locked out"))
				return
			}
		}

		sw := respwriter.Get(w)
		next.ServeHTTP(sw, r)
		status := sw.Status()
		respwriter.Put(sw)
		if status == 0 { // nothing written: net/http sends 200
			status = http.StatusOK
		}
		if store == nil {
			return
		}
		// The answer is sent; accounting must not depend on the client
		// staying connected.
		g.settle(context.WithoutCancel(ctx), r, store, counters, att.Started, status)
	})
}

// readUsername reads the body (up to MaxBodyBytes, put back intact) and
// returns the normalised username the request gives, or "".
func (g *Guard) readUsername(r *http.Request) (string, error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength > g.maxBody {
			return "", ErrBodyTooLarge
		}
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, g.maxBody+1))
		if err != nil {
			return "", fmt.Errorf("bruteforce: reading body: %w", err)
		}
		if int64(len(body)) > g.maxBody {
			return "", ErrBodyTooLarge
		}
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return username(r, body, g.field)
}

// refuse answers a login request whose username cannot be read.
func (g *Guard) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrCharset), errors.Is(err, ErrEncoding), errors.Is(err, ErrMediaType):
		status = http.StatusUnsupportedMediaType
	}
	p := problem.Wrap(status, err)
	g.events.Emit(r, audit.Event{Name: audit.RequestRejected, Reason: p.Reason, OWASP: audit.OWASPAuth, Status: status})
	g.errorHandler(w, r, p)
}

// usernameHashLen is how many characters of a username counter's hash a
// bruteforce.locked event carries as "username_hash".
const usernameHashLen = 12

// settle keeps or refunds the attempt counted under each counter once the
// upstream has answered with status.
func (g *Guard) settle(ctx context.Context, r *http.Request, store Store, counters []Counter, started []time.Duration, status int) {
	for i, c := range counters {
		began := i < len(started) && started[i] > 0
		var err error
		switch {
		case g.failure[status]:
			if began {
				kind := "username"
				if strings.HasPrefix(c.Key, "bf:ip:") {
					kind = "client_ip"
				}
				attrs := []slog.Attr{slog.String("locked_by", kind), slog.String("lockout", strconv.FormatInt(int64(started[i]/time.Second), 10)+"s")}
				if h, ok := strings.CutPrefix(c.Key, "bf:u:"); ok && len(h) >= usernameHashLen {
					// A prefix of the counter's hash tells lockouts apart
					// without naming the user.
					attrs = append(attrs, slog.String("username_hash", h[:usernameHashLen]))
				}
				g.events.Emit(r, audit.Event{
					Name: audit.BruteForceLocked, Reason: "too many failed logins per " + kind, OWASP: audit.OWASPAuth,
					Attrs: attrs,
				})
			}
			continue
		case status >= 200 && status < 300 && strings.HasPrefix(c.Key, "bf:u:"):
			err = store.Reset(ctx, c.Key)
		default:
			err = store.Refund(ctx, c.Key, began)
		}
		if err != nil {
			g.monitor.Failure(r, err)
		}
	}
}

// pick returns the store to use for this request, nil to let it through
// uncounted (fail_open during an outage), or false when it has already
// answered.
func (g *Guard) pick(w http.ResponseWriter, r *http.Request) (Store, bool) {
	if g.monitor.Try() {
		return g.store, true
	}
	return g.degraded(w, r)
}

func (g *Guard) failed(w http.ResponseWriter, r *http.Request, err error) (Store, bool) {
	if r.Context().Err() != nil {
		return nil, false
	}
	g.monitor.Failure(r, err)
	return g.degraded(w, r)
}

func (g *Guard) degraded(w http.ResponseWriter, r *http.Request) (Store, bool) {
	pass, local := g.monitor.Degraded(w, r, g.mode, g.errorHandler, "brute-force store unavailable")
	if local {
		return g.fallback, true
	}
	return nil, pass
}
