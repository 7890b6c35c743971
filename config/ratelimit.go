package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/ratelimit"
)

// RateLimits configures rate limiting, brute-force protection and
// concurrency caps.
type RateLimits struct {
	// Store holds the counters: memory (the default, per process) or
	// redis (shared by every gateway using the same server and prefix).
	Store string `yaml:"store"`
	// Redis is the shared store; required when Store is redis.
	Redis *Redis `yaml:"redis"`
	// OnStoreError is what happens while Redis is unreachable:
	// fail_closed (the default, 503), fail_open (no limits) or local
	// (each gateway limits alone with a memory store).
	OnStoreError string `yaml:"on_store_error"`
	// Headers is draft-7 (the default: RateLimit-Policy and RateLimit)
	// or none.
	Headers string `yaml:"headers"`
	// Legacy adds X-RateLimit-Limit, -Remaining and -Reset.
	Legacy bool `yaml:"legacy"`
	// Default applies to every route without its own rate_limit.
	Default []RateLimit `yaml:"default"`
	// Concurrency caps requests in flight.
	Concurrency Concurrency `yaml:"concurrency"`
}

// Redis locates the shared store: one server (URL), a Cluster or a
// Sentinel-managed master (Mode and Addrs); see redis.go.
type Redis struct {
	// Mode is single (the default: one server at URL), cluster (a Redis
	// Cluster reached through the seed nodes in Addrs) or sentinel (the
	// master named MasterName, found through the Sentinels in Addrs).
	Mode string `yaml:"mode"`
	// URL is redis://[user:password@]host:port/db or rediss:// for TLS.
	// A Secret, since it may carry a password. Only for mode single.
	URL Secret `yaml:"url"`
	// Addrs are host:port seed nodes (mode cluster) or Sentinels (mode
	// sentinel).
	Addrs []string `yaml:"addrs"`
	// MasterName is the master the Sentinels watch; mode sentinel only.
	MasterName string `yaml:"master_name"`
	// Username and Password authenticate to Redis (ACL user or
	// requirepass); with mode single they override the URL's.
	Username Secret `yaml:"username"`
	Password Secret `yaml:"password"`
	// SentinelUsername and SentinelPassword authenticate to the
	// Sentinels when they require it; mode sentinel only.
	SentinelUsername Secret `yaml:"sentinel_username"`
	SentinelPassword Secret `yaml:"sentinel_password"`
	// DB is the database number for mode sentinel (a Cluster has only
	// database 0; mode single takes it from the URL).
	DB int `yaml:"db"`
	// TLS encrypts and authenticates the connections to every node.
	TLS *RedisTLS `yaml:"tls"`
	// Prefix starts every key; gateways that must share limits share it.
	// Empty means DefaultRedisPrefix.
	Prefix string `yaml:"prefix"`
	// Timeout bounds dialling, each read and each write, so that an
	// unhealthy Redis does not stall requests; 0 means
	// DefaultRedisTimeout.
	Timeout time.Duration `yaml:"timeout"`
}

// RateLimit is one policy: Limit requests per Window for each key.
type RateLimit struct {
	// Key is ip, subject, claim:NAME, apikey[:HEADER] or header:NAME;
	// empty means ip.
	Key string `yaml:"key"`
	// Limit is how many requests each key may make per Window. Required.
	Limit int `yaml:"limit"`
	// Window is the period Limit counts over. Required.
	Window time.Duration `yaml:"window"`
	// Burst is the most admitted at once; 0 means Limit.
	Burst int `yaml:"burst"`
	// PerRoute counts this route apart from every other route with an
	// equal policy; otherwise they share one counter per key.
	PerRoute bool `yaml:"per_route"`
}

// Concurrency caps requests in flight; zero means no cap of that kind.
type Concurrency struct {
	// PerUpstream caps each upstream (upstreams.NAME.max_in_flight
	// overrides it for one).
	PerUpstream int `yaml:"per_upstream"`
	// PerClient caps each client IP (IPv6 by /64) across the gateway.
	PerClient int `yaml:"per_client"`
}

// Config maps the block onto the guard's own settings; the gateway adds
// the store.
func (b *BruteForce) Config() bruteforce.Config {
	return bruteforce.Config{
		UsernameField:    b.UsernameField,
		MaxBodyBytes:     b.MaxBodyBytes,
		MaxFailures:      b.MaxFailures,
		MaxFailuresPerIP: b.MaxFailuresPerIP,
		Window:           b.Window,
		Lockout:          b.Lockout,
		MaxLockout:       b.MaxLockout,
		Forget:           b.Forget,
		FailureStatuses:  b.FailureStatuses,
	}
}

// BruteForce marks a login route: attempts are counted per username and
// per client IP before they are forwarded, refunded unless the upstream
// answers with a failure (401/403), and too many lock them out.
type BruteForce struct {
	// UsernameField names the username in the JSON body, the form or
	// multipart body, or the query string (all are read, and so is the
	// user-id of Authorization: Basic credentials); empty counts per
	// client IP only.
	UsernameField string `yaml:"username_field"`
	// MaxBodyBytes bounds the login body read to find the username
	// (default 64 KiB); a longer body is refused with 413.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// MaxFailures per username within Window start a lockout (default 5).
	MaxFailures int `yaml:"max_failures"`
	// MaxFailuresPerIP per client IP within Window start a lockout of the
	// IP; 0 means 4 × MaxFailures, -1 disables the per-IP count.
	MaxFailuresPerIP int `yaml:"max_failures_per_ip"`
	// Window is the period failures are counted over (default 15m).
	Window time.Duration `yaml:"window"`
	// Lockout is the first lockout (default 15m); each next one doubles
	// up to MaxLockout (default 24h).
	Lockout time.Duration `yaml:"lockout"`
	// MaxLockout caps the doubling lockouts (default 24h).
	MaxLockout time.Duration `yaml:"max_lockout"`
	// Forget is how long a past lockout still doubles the next one
	// (default 24h).
	Forget time.Duration `yaml:"forget"`
	// FailureStatuses are the upstream answers counted as failures;
	// empty means 401 and 403.
	FailureStatuses []int `yaml:"failure_statuses"`
}

// Rate-limit store names and defaults.
const (
	StoreMemory         = "memory"
	StoreRedis          = "redis"
	DefaultRedisPrefix  = "rampart:"
	DefaultRedisTimeout = 300 * time.Millisecond
)

// EffectiveRateLimits is the policy list a route uses: its own when it
// has one (an empty, non-nil list opts out), else rate_limits.default.
func (c *Config) EffectiveRateLimits(r Route) []RateLimit {
	if r.RateLimit != nil {
		return r.RateLimit
	}
	return c.RateLimits.Default
}

// RateLimitLimit returns the ratelimit.Limit of p: Limit per Window with a burst
// of Burst, or of Limit when Burst is zero.
func (p RateLimit) RateLimitLimit() ratelimit.Limit {
	b := p.Burst
	if b == 0 {
		b = p.Limit
	}
	return ratelimit.Limit{Rate: p.Limit, Period: p.Window, Burst: b}
}

// KeySpec is the key specification, with the empty key read as ip.
func (p RateLimit) KeySpec() string {
	if p.Key == "" {
		return "ip"
	}
	return p.Key
}

// NeedsPrincipal reports whether the key reads the verified principal or
// request headers, so that it must run after authentication.
func (p RateLimit) NeedsPrincipal() bool { return p.KeySpec() != "ip" }

func (v *validator) rateLimits(c *Config) {
	rl := &c.RateLimits
	switch rl.Store {
	case "", StoreMemory:
		if rl.Redis != nil {
			v.warnf("rate_limits.redis", "ignored: store is memory")
		}
	case StoreRedis:
		if rl.Redis == nil {
			v.errorf("rate_limits.redis", "required when store is redis")
		}
	default:
		v.errorf("rate_limits.store", "%q is not memory or redis", rl.Store)
	}
	if rl.Redis != nil {
		v.redis(rl.Redis)
	}
	switch ratelimit.OnStoreError(rl.OnStoreError) {
	case "", ratelimit.FailClosed, ratelimit.Local:
	case ratelimit.FailOpen:
		v.warnf("rate_limits.on_store_error", "while the store is unreachable no rate limit or login lockout applies")
	default:
		v.errorf("rate_limits.on_store_error", "%q is not fail_closed, fail_open or local", rl.OnStoreError)
	}
	switch ratelimit.Headers(rl.Headers) {
	case "", ratelimit.HeadersDraft7, ratelimit.HeadersNone:
	default:
		v.errorf("rate_limits.headers", "%q is not draft-7 or none", rl.Headers)
	}
	for i, p := range rl.Default {
		v.rateLimit(fmt.Sprintf("rate_limits.default[%d]", i), p)
	}
	if rl.Concurrency.PerUpstream < 0 {
		v.errorf("rate_limits.concurrency.per_upstream", "must not be negative")
	}
	if rl.Concurrency.PerClient < 0 {
		v.errorf("rate_limits.concurrency.per_client", "must not be negative")
	}
	for _, name := range sortedKeys(c.Upstreams) {
		if c.Upstreams[name].MaxInFlight < 0 {
			v.errorf("upstreams."+name+".max_in_flight", "must not be negative")
		}
	}
	for i, r := range c.Routes {
		v.routeLimits(c, fmt.Sprintf("routes[%d]", i), r)
	}
}

// redis checks the URL without ever printing it: it may hold a password.
func (v *validator) redis(r *Redis) {
	p := "rate_limits.redis"
	v.redisURL(p+".url", &r.URL)
	if r.URL.Value() != "" {
		u, err := url.Parse(r.URL.Value())
		switch {
		case err != nil:
			v.errorf(p+".url", "not a URL")
		case u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix":
			v.errorf(p+".url", "scheme must be redis, rediss or unix")
		case u.Scheme == "redis" && u.Hostname() != "" && !isLoopback(u.Hostname()):
			v.warnf(p+".url", "redis:// to another host sends the password and the counters in clear; use rediss://")
		}
	}
	v.redisTopology(p, r)
	if r.Timeout < 0 {
		v.errorf(p+".timeout", "must not be negative")
	} else if r.Timeout > 5*time.Second {
		v.warnf(p+".timeout", "every request may wait this long while Redis is unhealthy")
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (v *validator) rateLimit(path string, p RateLimit) {
	if _, err := ratelimit.ParseKey(p.KeySpec()); err != nil {
		v.featureErrors(path+".key", err)
	}
	// A burst the file leaves out is the limit: its error is the limit's.
	for _, e := range unjoin(p.RateLimitLimit().Validate()) {
		var le *ratelimit.LimitError
		if e == nil || errors.As(e, &le) && le.Field == "Burst" && p.Burst == 0 && p.Limit <= 0 {
			continue
		}
		v.featureErrors(path, e)
	}
}

func (v *validator) routeLimits(c *Config, path string, r Route) {
	for i, p := range r.RateLimit {
		pp := fmt.Sprintf("%s.rate_limit[%d]", path, i)
		v.rateLimit(pp, p)
		if p.NeedsPrincipal() && isPublic(c, r) && !strings.HasPrefix(p.KeySpec(), "apikey") && !strings.HasPrefix(p.KeySpec(), "header:") {
			v.warnf(pp+".key", "%s needs an authenticated route; on auth: none every request is limited by client IP", p.KeySpec())
		}
	}
	if r.RateLimit != nil && len(r.RateLimit) == 0 && len(c.RateLimits.Default) > 0 {
		v.warnf(path+".rate_limit", "empty: this route opts out of rate_limits.default")
	}
	if b := r.BruteForce; b != nil {
		v.bruteForce(path+".brute_force", b)
		if len(c.EffectiveRateLimits(r)) == 0 {
			v.warnf(path+".brute_force", "no rate limit on this login route: lockouts alone let an attacker try many usernames; add rate_limit or rate_limits.default")
		}
	}
}

func isPublic(c *Config, r Route) bool {
	a := c.EffectiveAuth(r)
	return len(a) == 0 || len(a) == 1 && a[0] == AuthNone
}

func (v *validator) bruteForce(p string, b *BruteForce) {
	if err := b.Config().Validate(); err != nil {
		v.featureErrors(p, err)
	}
	if b.UsernameField == "" {
		v.warnf(p+".username_field", "not set: failures are counted per client IP only")
	}
	if b.MaxFailuresPerIP == -1 {
		v.warnf(p+".max_failures_per_ip", "one client may try any number of usernames (credential stuffing)")
	}
}
