package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/bruteforce"
	bfredis "github.com/rampart-api/rampart/bruteforce/redis"
	"github.com/rampart-api/rampart/concurrency"
	"github.com/rampart-api/rampart/config"
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
	err         error
}

// routeLimits returns the middlewares that run before authentication (IP
// limits) and after it (subject and claim limits, brute-force protection,
// concurrency caps) for one route.
func (g *Gateway) routeLimits(cfg *config.Config, rc config.Route) (before, after []rampart.Middleware, err error) {
	if g.limits == nil {
		g.limits = g.buildLimits(cfg)
		if g.limits.err != nil {
			return nil, nil, g.limits.err
		}
	}
	ls := g.limits
	if ls.err != nil {
		// Reported with the first route; New fails anyway.
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
	for _, pols := range []struct {
		list []ratelimit.Policy
		dst  *[]rampart.Middleware
	}{{ipPolicies, &before}, {principalPolicies, &after}} {
		if len(pols.list) == 0 {
			continue
		}
		m, err := ratelimit.New(ratelimit.Config{
			Policies:      pols.list,
			Store:         ls.store,
			OnStoreError:  ls.mode,
			Fallback:      ls.fallback,
			Monitor:       ls.monitor,
			Headers:       ls.headers,
			LegacyHeaders: ls.legacy,
			Events:        g.opts.Events,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("rate_limit: %w", err))
			continue
		}
		*pols.dst = append(*pols.dst, m.Handler)
	}
	if b := rc.BruteForce; b != nil {
		guard, err := bruteforce.New(bruteforce.Config{
			UsernameField:    b.UsernameField,
			MaxBodyBytes:     b.MaxBodyBytes,
			MaxFailures:      b.MaxFailures,
			MaxFailuresPerIP: b.MaxFailuresPerIP,
			Window:           b.Window,
			Lockout:          b.Lockout,
			MaxLockout:       b.MaxLockout,
			Forget:           b.Forget,
			FailureStatuses:  b.FailureStatuses,
			Store:            ls.bf,
			OnStoreError:     ls.mode,
			Fallback:         ls.bfLocal,
			Monitor:          ls.monitor,
			Events:           g.opts.Events,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("brute_force: %w", err))
		} else {
			after = append(after, guard.Handler)
		}
	}
	if ls.perClient != nil {
		after = append(after, ls.perClient.Handler)
	}
	if l, err := ls.upstreamCap(cfg, rc.Upstream, g.opts); err != nil {
		errs = append(errs, err)
	} else if l != nil {
		after = append(after, l.Handler)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return before, after, nil
}

// buildLimits makes the stores of cfg.RateLimits. Configuration errors
// are kept in the result so that they are reported once, with the first
// route.
func (g *Gateway) buildLimits(cfg *config.Config) *limitState {
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
		ls.store = newSharedStore(memory.Store{})
		ls.bf = &bruteforce.MemoryStore{}
	case config.StoreRedis:
		client, err := newRedisClient(rl.Redis)
		if err != nil {
			errs = append(errs, fmt.Errorf("rate_limits.redis: %w", err))
			break
		}
		g.closers = append(g.closers, client)
		prefix := rl.Redis.Prefix
		if prefix == "" {
			prefix = config.DefaultRedisPrefix
		}
		ls.store = newSharedStore(rlredis.Store{Client: client, Prefix: prefix + "rl:"})
		if ls.bf, err = bfredis.New(client, prefix+"bf:"); err != nil {
			errs = append(errs, fmt.Errorf("rate_limits.redis: %w", err))
		}
	default:
		errs = append(errs, fmt.Errorf("rate_limits.store: unknown store %q", rl.Store))
	}
	if ls.mode == ratelimit.Local {
		ls.fallback = newSharedStore(memory.Store{})
		ls.bfLocal = &bruteforce.MemoryStore{}
	}
	if c := rl.Concurrency.PerClient; c != 0 {
		l, err := concurrency.New(concurrency.Config{PerClient: c, Events: g.opts.Events})
		if err != nil {
			errs = append(errs, fmt.Errorf("rate_limits.concurrency.per_client: %w", err))
		}
		ls.perClient = l
	}
	ls.err = errors.Join(errs...)
	return ls
}

// upstreamCap returns the in-flight cap shared by every route to the
// upstream name, or nil when it has none.
func (ls *limitState) upstreamCap(cfg *config.Config, name string, opts Options) (*concurrency.Limiter, error) {
	if l, ok := ls.perUpstream[name]; ok {
		return l, nil
	}
	n := cfg.Upstreams[name].MaxInFlight
	if n == 0 {
		n = cfg.RateLimits.Concurrency.PerUpstream
	}
	var l *concurrency.Limiter
	if n != 0 {
		var err error
		if l, err = concurrency.New(concurrency.Config{Max: n, Events: opts.Events}); err != nil {
			return nil, fmt.Errorf("upstream %s: max_in_flight: %w", name, err)
		}
	}
	ls.perUpstream[name] = l
	return l, nil
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

// newRedisClient connects lazily to the URL in r, with short timeouts so
// that an unhealthy Redis costs a request at most about one timeout, and
// no retries: a retried script may already have run, and would count a
// request twice.
func newRedisClient(r *config.Redis) (goredis.UniversalClient, error) {
	if r == nil || r.URL.Value() == "" {
		return nil, errors.New("url is required")
	}
	opt, err := goredis.ParseURL(r.URL.Value())
	if err != nil {
		// go-redis's message may quote the URL, password included.
		return nil, errors.New("url is not a valid Redis URL")
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = config.DefaultRedisTimeout
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = timeout, timeout, timeout
	opt.MaxRetries = -1
	silenceRedisLog.Do(func() { goredis.SetLogger(discardRedisLog{}) })
	return goredis.NewClient(opt), nil
}

// go-redis logs dial failures on its own, once per attempt; the Monitor
// already reports an outage once, in the server log and as an event.
var silenceRedisLog sync.Once

type discardRedisLog struct{}

func (discardRedisLog) Printf(context.Context, string, ...any) {}
