package concurrency

import (
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/ratelimit"
)

// DefaultRetryAfter is the Retry-After sent with a refusal when
// Config.RetryAfter is zero.
const DefaultRetryAfter = time.Second

// Config configures a [Limiter]. A zero limit means no cap of that kind;
// the zero Config passes everything through.
type Config struct {
	// Max caps the requests in flight through this Limiter, usually one
	// per upstream (per_upstream).
	Max int
	// PerClient caps the requests in flight from one client IP (IPv6 by
	// /64), across everything this Limiter guards (per_client).
	PerClient int
	// RetryAfter is sent with a refusal; zero means DefaultRetryAfter.
	RetryAfter time.Duration
	// Events receives ratelimit.exceeded (OWASP API4) for refusals.
	Events *audit.Logger
	// ErrorHandler renders refusals; nil means [problem.Write].
	ErrorHandler problem.ErrorHandler
}

// ErrBadValue is wrapped by every configuration error.
var ErrBadValue = errors.New("concurrency: invalid value")

// Limiter caps in-flight requests. It is safe for concurrent use. The
// total cap is one atomic counter; the per-client cap a sharded map of
// counters whose entries are removed when they drop to zero, so it holds
// only clients with requests in flight.
type Limiter struct {
	max, perClient int64
	inFlight       atomic.Int64
	seed           maphash.Seed
	shards         [shardCount]shard
	retryAfter     string
	events         *audit.Logger
	errorHandler   problem.ErrorHandler
}

const shardCount = 32

type shard struct {
	mu sync.Mutex
	m  map[netip.Addr]int64
	_  [40]byte
}

// New validates cfg, reporting every problem at once.
func New(cfg Config) (*Limiter, error) {
	var errs []error
	if cfg.Max < 0 {
		errs = append(errs, fmt.Errorf("%w: Max %d is negative", ErrBadValue, cfg.Max))
	}
	if cfg.PerClient < 0 {
		errs = append(errs, fmt.Errorf("%w: PerClient %d is negative", ErrBadValue, cfg.PerClient))
	}
	if cfg.RetryAfter < 0 {
		errs = append(errs, fmt.Errorf("%w: RetryAfter %v is negative", ErrBadValue, cfg.RetryAfter))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	l := &Limiter{
		max: int64(cfg.Max), perClient: int64(cfg.PerClient), seed: maphash.MakeSeed(),
		retryAfter: strconv.FormatInt(int64((cfg.RetryAfter+time.Second-1)/time.Second), 10),
		events:     cfg.Events, errorHandler: cfg.ErrorHandler,
	}
	for i := range l.shards {
		l.shards[i].m = make(map[netip.Addr]int64)
	}
	if l.errorHandler == nil {
		l.errorHandler = problem.Write
	}
	return l, nil
}

// InFlight returns the number of requests in flight.
func (l *Limiter) InFlight() int { return int(l.inFlight.Load()) }

// Handler caps requests to next; over a cap it answers 503 problem+json
// with Retry-After without calling next. It trusts the client IP in
// rampart.Info (else the TCP peer). A request counts until next returns,
// even if it panics.
func (l *Limiter) Handler(next http.Handler) http.Handler {
	if l == nil || l.max == 0 && l.perClient == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.max > 0 {
			if l.inFlight.Add(1) > l.max {
				l.inFlight.Add(-1)
				l.refuse(w, r, "too many requests in flight to the upstream", "upstream")
				return
			}
			defer l.inFlight.Add(-1)
		}
		if l.perClient > 0 {
			a := clientip.Group(r)
			s := &l.shards[maphash.Comparable(l.seed, a)%shardCount]
			s.mu.Lock()
			if s.m[a] >= l.perClient {
				s.mu.Unlock()
				l.refuse(w, r, "too many requests in flight from one client", "client")
				return
			}
			s.m[a]++
			s.mu.Unlock()
			defer func() {
				s.mu.Lock()
				if s.m[a] <= 1 {
					delete(s.m, a)
				} else {
					s.m[a]--
				}
				s.mu.Unlock()
			}()
		}
		next.ServeHTTP(w, r)
	})
}

func (l *Limiter) refuse(w http.ResponseWriter, r *http.Request, reason, scope string) {
	l.events.Emit(r, audit.Event{Name: audit.RateLimitExceeded, Reason: reason, OWASP: audit.OWASPResource,
		Status: http.StatusServiceUnavailable, Attrs: []slog.Attr{slog.String("limit", "concurrency_"+scope)}})
	l.errorHandler(w, r, problem.New(http.StatusServiceUnavailable, reason).WithHeader(ratelimit.HeaderRetryAfter, l.retryAfter))
}
