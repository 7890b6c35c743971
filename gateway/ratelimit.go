package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/bruteforce"
	bfredis "github.com/rampart-api/rampart/bruteforce/redis"
	"github.com/rampart-api/rampart/concurrency"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/internal/deadline"
	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/memory"
	rlredis "github.com/rampart-api/rampart/ratelimit/redis"
)

// limitState is what every route of one gateway shares: one store (one
// Redis client), one Monitor so that an outage is reported once, and the
// concurrency caps, which count across routes.
type limitState struct {
	monitor  *ratelimit.Monitor
	store    ratelimit.Store
	fallback ratelimit.Store
	bf       bruteforce.Store
	bfLocal  bruteforce.Store
	mode     ratelimit.OnStoreError
	headers  ratelimit.Headers
	legacy   bool

	perClient   *concurrency.Limiter
	perUpstream map[string]*concurrency.Limiter
	// failed is set when the stores did not build; routes then get no
	// limits, and New fails with the errors buildLimits returned.
	failed bool
}

// rateLimits returns the IP rate limits of a route, which run before
// authentication, and its subject and claim limits, which run after it;
// either is nil when the route has none. It returns neither when the
// shared stores failed to build: that is reported once, by [buildLimits].
func (ls *limitState) rateLimits(cfg *config.Config, rc config.Route, opts Options) (ip, subject rampart.Middleware, err error) {
	if ls.failed {
		return nil, nil, nil
	}
	var ipPolicies, principalPolicies []ratelimit.Policy
	for _, p := range cfg.EffectiveRateLimits(rc) {
		pol := ratelimit.Policy{Key: p.KeySpec(), PerRoute: p.PerRoute, Limit: p.RateLimitLimit()}
		if p.NeedsPrincipal() {
			principalPolicies = append(principalPolicies, pol)
		} else {
			ipPolicies = append(ipPolicies, pol)
		}
	}
	var errs []error
	limiter := func(pols []ratelimit.Policy) rampart.Middleware {
		if len(pols) == 0 {
			return nil
		}
		m, err := ratelimit.New(ratelimit.Config{
			Policies:      pols,
			Store:         ls.store,
			OnStoreError:  ls.mode,
			Fallback:      ls.fallback,
			Monitor:       ls.monitor,
			Headers:       ls.headers,
			LegacyHeaders: ls.legacy,
			Events:        opts.Events,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("rate_limit: %w", err))
			return nil
		}
		return m.Handler
	}
	ip, subject = limiter(ipPolicies), limiter(principalPolicies)
	return ip, subject, errors.Join(errs...)
}

// bruteForce returns the brute-force guard of a route, or nil when it has
// none or the shared stores failed to build.
func (ls *limitState) bruteForce(rc config.Route, opts Options) (rampart.Middleware, error) {
	b := rc.BruteForce
	if b == nil || ls.failed {
		return nil, nil
	}
	bc := b.Config()
	bc.Store, bc.OnStoreError, bc.Fallback, bc.Monitor, bc.Events = ls.bf, ls.mode, ls.bfLocal, ls.monitor, opts.Events
	guard, err := bruteforce.New(bc)
	if err != nil {
		return nil, fmt.Errorf("brute_force: %w", err)
	}
	return guard.Handler, nil
}

// clientCap returns the in-flight cap per client shared by every route,
// or nil when there is none.
func (ls *limitState) clientCap() rampart.Middleware {
	if ls.perClient == nil {
		return nil
	}
	return ls.perClient.Handler
}

// upstreamCap returns the in-flight cap shared by every route to the
// upstream name, or nil when it has none.
func (ls *limitState) upstreamCap(name string) rampart.Middleware {
	if l := ls.perUpstream[name]; l != nil {
		return l.Handler
	}
	return nil
}

// buildLimits makes what the routes of cfg share: the rate-limit and
// brute-force stores, their Monitor, and the concurrency caps per client
// and per upstream that routes use. Each error names its own field.
func (g *Gateway) buildLimits(cfg *config.Config) (*limitState, []error) {
	rl := cfg.RateLimits
	ls := &limitState{
		mode:        ratelimit.OnStoreError(rl.OnStoreError),
		headers:     ratelimit.Headers(rl.Headers),
		legacy:      rl.Legacy,
		perUpstream: map[string]*concurrency.Limiter{},
	}
	if ls.mode == "" {
		ls.mode = ratelimit.FailClosed
	}
	storeName := rl.Store
	if storeName == "" {
		storeName = config.StoreMemory
	}
	ls.monitor, _ = ratelimit.NewMonitor(ratelimit.MonitorConfig{Store: storeName, Events: g.opts.Events, Log: g.log})
	var errs []error
	switch storeName {
	case config.StoreMemory:
		ls.store = g.carriedStore("ratelimit.memory")
		ls.bf = g.carriedLockouts("bruteforce.memory", cfg)
	case config.StoreRedis:
		var timeout time.Duration
		if rl.Redis != nil {
			timeout = rl.Redis.Timeout
		}
		client, err := shared(g, "redis", redisSettings(rl.Redis), func() (goredis.UniversalClient, func() error, error) {
			c, err := redisClient(rl.Redis)
			if err != nil {
				return nil, nil, err
			}
			return c, c.Close, nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("rate_limits.redis: %w", err))
			break
		}
		g.deps.store = func(ctx context.Context) error { return client.Ping(ctx).Err() }
		prefix := rl.Redis.Prefix
		ls.store = newSharedStore(rlredis.Store{Client: client, Prefix: prefix + "rl:", Timeout: timeout})
		bf, err := bfredis.New(client, prefix+"bf:")
		if err != nil {
			errs = append(errs, fmt.Errorf("rate_limits.redis: %w", err))
		}
		ls.bf = deadlineStore{Store: bf, timeout: timeout}
	default:
		errs = append(errs, fmt.Errorf("rate_limits.store: unknown store %q", rl.Store))
	}
	if ls.mode == ratelimit.Local {
		ls.fallback = g.carriedStore("ratelimit.local")
		ls.bfLocal = g.carriedLockouts("bruteforce.local", cfg)
	}
	if c := rl.Concurrency.PerClient; c != 0 {
		l, err := concurrency.New(concurrency.Config{PerClient: c, Events: g.opts.Events})
		if err != nil {
			errs = append(errs, fmt.Errorf("rate_limits.concurrency.per_client: %w", err))
		}
		ls.perClient = l
	}
	for _, rc := range cfg.Routes {
		if rc.Deny {
			continue
		}
		u, ok := cfg.Upstreams[rc.Upstream]
		if _, done := ls.perUpstream[rc.Upstream]; done || !ok {
			continue
		}
		n := u.MaxInFlight
		if n == 0 {
			n = rl.Concurrency.PerUpstream
		}
		var l *concurrency.Limiter
		if n != 0 {
			var err error
			if l, err = concurrency.New(concurrency.Config{Max: n, Events: g.opts.Events}); err != nil {
				errs = append(errs, fmt.Errorf("upstream %s: max_in_flight: %w", rc.Upstream, err))
			}
		}
		ls.perUpstream[rc.Upstream] = l
	}
	ls.failed = len(errs) > 0
	return ls, errs
}

// carriedStore is a memory store whose limiters are carried over to the
// next configuration: a limiter is filed under its Limit, so a reload
// that keeps a limit keeps its counters, and a changed limit starts
// afresh.
func (g *Gateway) carriedStore(kind string) *sharedStore {
	return newSharedStore(carried{g: g, kind: kind})
}

// carried makes memory limiters through the gateway's [Shared].
type carried struct {
	g    *Gateway
	kind string
}

func (c carried) NewLimiter(l ratelimit.Limit) (ratelimit.Limiter, error) {
	return shared(c.g, c.kind, fmt.Sprintf("%d/%d/%d", l.Rate, l.Period, l.Burst), func() (ratelimit.Limiter, func() error, error) {
		lim, err := memory.Store{}.NewLimiter(l)
		return lim, nil, err
	})
}

// carriedLockouts is the in-memory brute-force store, carried over to the
// next configuration while the brute-force settings of every route,
// taken together, are unchanged. Its keys are not per route (a user
// locked out on one login route is locked out on all), so a change to
// any route's settings starts every count afresh.
func (g *Gateway) carriedLockouts(kind string, cfg *config.Config) bruteforce.Store {
	var settings []string
	for _, rc := range cfg.Routes {
		if rc.BruteForce != nil {
			b, _ := json.Marshal(rc.BruteForce)
			settings = append(settings, string(b))
		}
	}
	slices.Sort(settings)
	settings = slices.Compact(settings)
	st, _ := shared(g, kind, strings.Join(settings, "\n"), func() (*bruteforce.MemoryStore, func() error, error) {
		return &bruteforce.MemoryStore{}, nil, nil
	})
	return st
}

// sharedStore hands out one limiter per Limit, so that routes carrying an
// equal policy (rate_limits.default, typically) share one counter per key
// in memory exactly as they do in Redis, whose keys include the limit.
// It is used only while a gateway is built, then read-only.
type sharedStore struct {
	base ratelimit.Store
	mu   sync.Mutex
	by   map[ratelimit.Limit]ratelimit.Limiter
}

var _ ratelimit.Store = (*sharedStore)(nil)

func newSharedStore(base ratelimit.Store) *sharedStore {
	return &sharedStore{base: base, by: map[ratelimit.Limit]ratelimit.Limiter{}}
}

// NewLimiter implements ratelimit.Store.
func (s *sharedStore) NewLimiter(l ratelimit.Limit) (ratelimit.Limiter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lim, ok := s.by[l]; ok {
		return lim, nil
	}
	lim, err := s.base.NewLimiter(l)
	if err != nil {
		return nil, err
	}
	s.by[l] = lim
	return lim, nil
}

// deadlineStore gives every call to a shared brute-force store a
// deadline and returns by it, so that a hung store holds a login request
// no longer than one timeout per call.
type deadlineStore struct {
	bruteforce.Store
	timeout time.Duration
}

func (s deadlineStore) Attempt(ctx context.Context, counters ...bruteforce.Counter) (bruteforce.Attempt, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return deadline.Call(ctx, func(ctx context.Context) (bruteforce.Attempt, error) { return s.Store.Attempt(ctx, counters...) })
}

func (s deadlineStore) Refund(ctx context.Context, key string, started bool) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := deadline.Call(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, s.Store.Refund(ctx, key, started) })
	return err
}

func (s deadlineStore) Reset(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := deadline.Call(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, s.Store.Reset(ctx, key) })
	return err
}
