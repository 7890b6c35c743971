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
	"time"

	"github.com/rampart-api/rampart/audit"
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
	// UsernameField names the JSON member or form field holding the
	// username. Empty counts failures per client IP only.
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
	// body is passed on intact but counts per IP only.
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
	Events       *audit.Logger
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
	Field string
	Err   error
}

func (e *FieldError) Error() string { return "bruteforce: " + e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Guard protects a login route against password guessing and credential
// stuffing. It is immutable and safe for concurrent use.
type Guard struct {
	field      string
	user, ip   Policy
	ipOn       bool
	failure    map[int]bool
	maxBody    int64
	secret     []byte
	store      Store
	fallback   Store
	mode       ratelimit.OnStoreError
	monitor    *ratelimit.Monitor
	events     *audit.Logger
	errHandler problem.ErrorHandler
}

// New validates cfg, reporting every problem at once.
func New(cfg Config) (*Guard, error) {
	var errs []error
	bad := func(field string, format string, args ...any) {
		errs = append(errs, &FieldError{field, fmt.Errorf("%w: "+format, append([]any{ErrBadValue}, args...)...)})
	}
	def := func(v *time.Duration, d time.Duration, field string) {
		if *v < 0 {
			bad(field, "%v is negative", *v)
		}
		if *v == 0 {
			*v = d
		}
	}
	def(&cfg.Window, DefaultWindow, "Window")
	def(&cfg.Lockout, DefaultLockout, "Lockout")
	def(&cfg.MaxLockout, DefaultMaxLockout, "MaxLockout")
	def(&cfg.Forget, DefaultForget, "Forget")
	if cfg.MaxLockout < cfg.Lockout {
		bad("MaxLockout", "%v is shorter than Lockout %v", cfg.MaxLockout, cfg.Lockout)
	}
	if cfg.MaxFailures < 0 {
		bad("MaxFailures", "%d is negative", cfg.MaxFailures)
	}
	if cfg.MaxFailures == 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	if cfg.MaxFailuresPerIP < -1 {
		bad("MaxFailuresPerIP", "%d; want -1 (off), 0 (default) or a count", cfg.MaxFailuresPerIP)
	}
	if cfg.MaxFailuresPerIP == 0 {
		cfg.MaxFailuresPerIP = DefaultIPFactor * cfg.MaxFailures
	}
	if cfg.MaxBodyBytes < 0 {
		bad("MaxBodyBytes", "%d is negative", cfg.MaxBodyBytes)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.FailureStatuses == nil {
		cfg.FailureStatuses = []int{http.StatusUnauthorized, http.StatusForbidden}
	}
	failure := make(map[int]bool, len(cfg.FailureStatuses))
	for _, s := range cfg.FailureStatuses {
		if s < 400 || s > 599 {
			bad("FailureStatuses", "%d is not an error status", s)
		}
		failure[s] = true
	}
	if cfg.Store == nil {
		errs = append(errs, &FieldError{"Store", ErrNoStore})
	}
	mode := cfg.OnStoreError
	switch mode {
	case "":
		mode = ratelimit.FailClosed
	case ratelimit.FailClosed, ratelimit.FailOpen:
	case ratelimit.Local:
		if cfg.Fallback == nil {
			errs = append(errs, &FieldError{"Fallback", ErrNoFallback})
		}
	default:
		errs = append(errs, &FieldError{"OnStoreError", fmt.Errorf("%w %q", ErrBadMode, string(mode))})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	p := Policy{MaxFailures: cfg.MaxFailures, Window: cfg.Window, Lockout: cfg.Lockout, MaxLockout: cfg.MaxLockout, Forget: cfg.Forget}
	g := &Guard{
		field: cfg.UsernameField, user: p, ip: p, ipOn: cfg.MaxFailuresPerIP > 0,
		failure: failure, maxBody: cfg.MaxBodyBytes, secret: cfg.KeySecret,
		store: cfg.Store, fallback: cfg.Fallback, mode: mode, monitor: cfg.Monitor,
		events: cfg.Events, errHandler: cfg.ErrorHandler,
	}
	g.ip.MaxFailures = cfg.MaxFailuresPerIP
	if g.monitor == nil {
		g.monitor, _ = ratelimit.NewMonitor(ratelimit.MonitorConfig{Store: "bruteforce", Events: cfg.Events})
	}
	if g.errHandler == nil {
		g.errHandler = problem.Write
	}
	return g, nil
}

// Handler guards next, a login endpoint. Before forwarding, it refuses a
// locked-out username or client IP with the same 429 as any rate limit
// ([ratelimit.Exceeded]), whether or not the username exists. After next
// answers, a failure status counts against both, a 2xx clears the
// username's counter. It trusts the client IP in rampart.Info (else the TCP
// peer) and the upstream's status; the body is read up to MaxBodyBytes and
// passed on byte for byte. It fails closed on store errors unless
// configured otherwise.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		keys := make([]string, 0, 2)
		userKey := ""
		if g.field != "" && r.Body != nil && r.Body != http.NoBody {
			buf, err := io.ReadAll(io.LimitReader(r.Body, g.maxBody+1))
			if err != nil {
				g.errHandler(w, r, problem.Wrap(http.StatusBadRequest, fmt.Errorf("bruteforce: reading body: %w", err)))
				return
			}
			r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
			if int64(len(buf)) <= g.maxBody {
				if u := NormalizeUsername(usernameFrom(r.Header.Get("Content-Type"), buf, g.field)); u != "" {
					userKey = "bf:u:" + hashKey(g.secret, u)
					keys = append(keys, userKey)
				}
			}
		}
		ipKey := ""
		if g.ipOn {
			ipKey = "bf:ip:" + ratelimit.ClientAddr(r).String()
			keys = append(keys, ipKey)
		}
		if len(keys) == 0 {
			next.ServeHTTP(w, r)
			return
		}

		store, ok := g.pick(w, r)
		if !ok {
			return
		}
		if store != nil {
			locked, err := store.Locked(ctx, keys...)
			if err == nil && store == g.store {
				g.monitor.Success(r)
			}
			if err != nil {
				if store, ok = g.failed(w, r, err); !ok {
					return
				}
				if store != nil {
					locked, _ = store.Locked(ctx, keys...)
				}
			}
			if locked > 0 {
				g.errHandler(w, r, ratelimit.Exceeded(locked, "login locked out"))
				return
			}
		}

		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 { // nothing written: net/http sends 200
			sw.status = http.StatusOK
		}
		if store == nil {
			return
		}
		// The answer is sent; accounting must not depend on the client
		// staying connected.
		actx := context.WithoutCancel(ctx)
		switch {
		case g.failure[sw.status]:
			if userKey != "" {
				g.fail(actx, r, store, userKey, g.user, "username")
			}
			if ipKey != "" {
				g.fail(actx, r, store, ipKey, g.ip, "client_ip")
			}
		case sw.status >= 200 && sw.status < 300 && userKey != "":
			if err := store.Reset(actx, userKey); err != nil {
				g.monitor.Failure(r, err)
			}
		}
	})
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
	switch g.mode {
	case ratelimit.FailOpen:
		return nil, true
	case ratelimit.Local:
		return g.fallback, true
	}
	g.errHandler(w, r, problem.New(http.StatusServiceUnavailable, "brute-force store unavailable").
		WithHeader(ratelimit.HeaderRetryAfter, "1"))
	return nil, false
}

func (g *Guard) fail(ctx context.Context, r *http.Request, store Store, key string, p Policy, kind string) {
	d, err := store.Fail(ctx, key, p)
	if err != nil {
		g.monitor.Failure(r, err)
		return
	}
	if store == g.store {
		g.monitor.Success(r)
	}
	if d > 0 {
		g.events.Emit(r, audit.Event{
			Name: audit.BruteForceLocked, Reason: "too many failed logins per " + kind, OWASP: audit.OWASPAuth,
			Attrs: []slog.Attr{slog.String("locked_by", kind), slog.String("lockout", strconv.FormatInt(int64(d/time.Second), 10)+"s")},
		})
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// statusWriter records the status the upstream answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}
