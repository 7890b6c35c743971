package config_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/ratelimit"
)

const limitsBase = `upstreams:
  app: {url: http://127.0.0.1:9000}
`

func parseLimits(t testing.TB, yaml string) (*config.Config, config.Diagnostics) {
	t.Helper()
	env := map[string]string{"REDIS_URL": "redis://:hunter2@127.0.0.1:6379/0", "REMOTE_REDIS": "redis://:hunter2@redis.internal:6379/0", "REDIS_PASSWORD": "hunter2"}
	if !strings.HasPrefix(yaml, "upstreams:") {
		yaml = limitsBase + yaml
	}
	return config.Parse([]byte(yaml), "x.yaml", config.Options{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
}

func TestRateLimitsDecoded(t *testing.T) {
	cfg, diags := parseLimits(t, `rate_limits:
  store: redis
  redis: {url: "${env:REDIS_URL}", prefix: "edge:", timeout: 250ms}
  on_store_error: local
  headers: draft-7
  legacy: true
  default: [{key: ip, limit: 100, window: 15m}]
  concurrency: {per_upstream: 512, per_client: 32}
routes:
  - path: /api/login
    methods: [POST]
    upstream: app
    auth: none
    rate_limit: [{key: ip, limit: 5, window: 1m, burst: 2, per_route: true}]
    brute_force: {username_field: username, max_failures: 5, window: 15m, lockout: 15m}
  - path: /api/items
    upstream: app
    auth: none
  - path: /health
    upstream: app
    auth: none
    rate_limit: []
`)
	if diags.HasErrors() {
		t.Fatalf("diagnostics:\n%s", diags)
	}
	rl := cfg.RateLimits
	if rl.Store != "redis" || rl.Redis.URL.Value() != "redis://:hunter2@127.0.0.1:6379/0" || rl.Redis.Prefix != "edge:" || rl.Redis.Timeout != 250*time.Millisecond {
		t.Errorf("redis %+v", rl.Redis)
	}
	if rl.OnStoreError != "local" || !rl.Legacy || rl.Concurrency != (config.Concurrency{PerUpstream: 512, PerClient: 32}) {
		t.Errorf("rate_limits %+v", rl)
	}
	login := cfg.Routes[0]
	if got := cfg.EffectiveRateLimits(login); len(got) != 1 || got[0].RateLimitLimit() != (ratelimit.Limit{Rate: 5, Period: time.Minute, Burst: 2}) || !got[0].PerRoute {
		t.Errorf("login limits %+v", got)
	}
	if bf := login.BruteForce; bf == nil || bf.UsernameField != "username" || bf.MaxFailures != 5 || bf.Lockout != 15*time.Minute {
		t.Errorf("brute_force %+v", bf)
	}
	if got := cfg.EffectiveRateLimits(cfg.Routes[1]); len(got) != 1 || got[0].Limit != 100 || got[0].RateLimitLimit().Burst != 100 {
		t.Errorf("default not applied: %+v", got)
	}
	if got := cfg.EffectiveRateLimits(cfg.Routes[2]); got == nil || len(got) != 0 {
		t.Errorf("rate_limit: [] must opt out, got %#v", got)
	}
	if !strings.Contains(diags.String(), "routes[2].rate_limit: empty: this route opts out") {
		t.Errorf("missing opt-out warning:\n%s", diags)
	}
}

func TestRateLimitsProblems(t *testing.T) {
	route := "routes:\n  - {path: /x, upstream: app, auth: none}\n"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown store", "rate_limits: {store: memcached}\n" + route,
			[]string{`error: rate_limits.store: "memcached" is not memory or redis`}},
		{"redis store without redis", "rate_limits: {store: redis}\n" + route,
			[]string{"error: rate_limits.redis: required when store is redis"}},
		{"redis without url", "rate_limits: {store: redis, redis: {prefix: x}}\n" + route,
			[]string{"error: rate_limits.redis.url: required"}},
		{"redis url from a missing variable", "rate_limits: {store: redis, redis: {url: \"${env:NOPE}\"}}\n" + route,
			[]string{"error: rate_limits.redis.url: environment variable NOPE is not set"}},
		{"redis url with a literal password", "rate_limits: {store: redis, redis: {url: \"redis://:hunter2@127.0.0.1:6379\"}}\n" + route,
			[]string{"warning: rate_limits.redis.url: literal secret"}},
		{"redis url with a wrong scheme", "rate_limits: {store: redis, redis: {url: \"http://${env:REDIS_URL}\"}}\n" + route,
			[]string{"error: rate_limits.redis.url: scheme must be redis, rediss or unix"}},
		{"cleartext redis to another host", "rate_limits: {store: redis, redis: {url: \"${env:REMOTE_REDIS}\"}}\n" + route,
			[]string{"warning: rate_limits.redis.url: redis:// to another host"}},
		{"negative redis timeout", "rate_limits: {store: redis, redis: {url: \"${env:REDIS_URL}\", timeout: -1s}}\n" + route,
			[]string{"error: rate_limits.redis.timeout: must not be negative"}},
		{"redis settings with memory store", "rate_limits: {redis: {url: \"${env:REDIS_URL}\"}}\n" + route,
			[]string{"warning: rate_limits.redis: ignored: store is memory"}},
		{"fail open", "rate_limits: {on_store_error: fail_open}\n" + route,
			[]string{"warning: rate_limits.on_store_error: while the store is unreachable no rate limit"}},
		{"unknown failure mode", "rate_limits: {on_store_error: shrug}\n" + route,
			[]string{`error: rate_limits.on_store_error: "shrug" is not fail_closed, fail_open or local`}},
		{"unknown headers", "rate_limits: {headers: draft-6}\n" + route,
			[]string{`error: rate_limits.headers: "draft-6" is not draft-7 or none`}},
		{"every policy mistake at once", "rate_limits:\n  default:\n    - {key: cookie, limit: 0, window: -1m, burst: -1}\n" + route,
			[]string{
				`error: rate_limits.default[0].key: "cookie": unknown kind`,
				"error: rate_limits.default[0].limit: must be positive",
				"error: rate_limits.default[0].window: must be positive",
				"error: rate_limits.default[0].burst: must be positive",
			}},
		{"interval under a microsecond", "rate_limits:\n  default: [{limit: 1000000000, window: 1s}]\n" + route,
			[]string{"error: rate_limits.default[0].window: period/rate is under a microsecond"}},
		{"claim without a name", "rate_limits:\n  default: [{key: \"claim:\", limit: 1, window: 1s}]\n" + route,
			[]string{`error: rate_limits.default[0].key: "claim:": claim needs a name`}},
		{"negative concurrency", "rate_limits: {concurrency: {per_upstream: -1, per_client: -2}}\n" + route,
			[]string{"error: rate_limits.concurrency.per_upstream: must not be negative", "error: rate_limits.concurrency.per_client: must not be negative"}},
		{"negative max_in_flight", "upstreams:\n  app: {url: http://127.0.0.1:9001, max_in_flight: -5}\n" + route,
			[]string{"error: upstreams.app.max_in_flight: must not be negative"}},
		{"route policy located", "routes:\n  - path: /x\n    upstream: app\n    auth: none\n    rate_limit: [{limit: 5, window: 0s}]\n",
			[]string{"x.yaml:7: error: routes[0].rate_limit[0].window: must be positive"}},
		{"subject key on a public route", "routes:\n  - {path: /x, upstream: app, auth: none, rate_limit: [{key: subject, limit: 5, window: 1m}]}\n",
			[]string{"warning: routes[0].rate_limit[0].key: subject needs an authenticated route"}},
		{"login without any limit", "routes:\n  - {path: /login, upstream: app, auth: none, brute_force: {username_field: user}}\n",
			[]string{"warning: routes[0].brute_force: no rate limit on this login route"}},
		{"login opting out of the default", "rate_limits:\n  default: [{limit: 100, window: 15m}]\nroutes:\n  - {path: /login, upstream: app, auth: none, rate_limit: [], brute_force: {username_field: user}}\n",
			[]string{"warning: routes[0].rate_limit: empty", "warning: routes[0].brute_force: no rate limit on this login route"}},
		{"brute force mistakes", "routes:\n  - path: /login\n    upstream: app\n    auth: none\n    rate_limit: [{limit: 5, window: 1m}]\n    brute_force: {max_failures: -1, max_failures_per_ip: -2, window: -1s, lockout: 2h, max_lockout: 1h, forget: -1s, failure_statuses: [200, 401]}\n",
			[]string{
				"error: routes[0].brute_force.max_failures: must not be negative",
				"error: routes[0].brute_force.max_failures_per_ip: want -1 (off)",
				"error: routes[0].brute_force.window: must not be negative",
				"error: routes[0].brute_force.forget: must not be negative",
				"error: routes[0].brute_force.max_lockout: 1h0m0s is shorter than lockout (2h0m0s)",
				"error: routes[0].brute_force.failure_statuses[0]: 200 is not an error status",
				"warning: routes[0].brute_force.username_field: not set",
			}},
		{"per-IP count disabled", "routes:\n  - {path: /login, upstream: app, auth: none, rate_limit: [{limit: 5, window: 1m}], brute_force: {username_field: u, max_failures_per_ip: -1}}\n",
			[]string{"warning: routes[0].brute_force.max_failures_per_ip: one client may try any number of usernames"}},
		{"unknown brute force key", "routes:\n  - {path: /login, upstream: app, auth: none, brute_force: {username: u}}\n",
			[]string{`error: routes[0].brute_force.username: unknown field "username"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := parseLimits(t, tt.yaml)
			got := diags.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q", w)
				}
			}
			if strings.Contains(got, "hunter2") {
				t.Errorf("the Redis password is printed")
			}
			if t.Failed() {
				t.Logf("got:\n%s", got)
			}
		})
	}
}

func TestRateLimitsQuiet(t *testing.T) {
	_, diags := parseLimits(t, `rate_limits:
  default: [{limit: 100, window: 15m}, {key: subject, limit: 1000, window: 1h}]
routes:
  - {path: /login, upstream: app, auth: none, brute_force: {username_field: username}}
`)
	if len(diags) != 0 {
		t.Fatalf("a sound configuration drew:\n%s", diags)
	}
}

func ExampleConfig_EffectiveRateLimits() {
	cfg, diags := config.Parse([]byte(`upstreams:
  app: {url: http://127.0.0.1:9000}
rate_limits:
  default: [{key: ip, limit: 100, window: 15m}]
routes:
  - {path: /api/items, upstream: app, auth: none}
  - path: /api/login
    upstream: app
    auth: none
    rate_limit: [{key: ip, limit: 5, window: 1m}]
    brute_force: {username_field: username}
`), "rampart.yaml")
	if diags.HasErrors() {
		fmt.Print(diags)
		return
	}
	for _, r := range cfg.Routes {
		for _, p := range cfg.EffectiveRateLimits(r) {
			fmt.Println(r.Path, p.KeySpec(), p.RateLimitLimit())
		}
	}
	// Output:
	// /api/items ip 100/15m0s burst 100
	// /api/login ip 5/1m0s burst 5
}

// FuzzRateLimits feeds arbitrary rate_limits and route policy sections to
// the loader: every problem must be reported, never a panic, and the Redis
// password never printed.
func FuzzRateLimits(f *testing.F) {
	f.Add("rate_limits: {store: redis, redis: {url: \"${env:REDIS_URL}\"}, on_store_error: local, default: [{key: ip, limit: 100, window: 15m}]}\n")
	f.Add("rate_limits:\n  default:\n    - {key: cookie, limit: 0, window: -1m, burst: -1}\n")
	f.Add("rate_limits: {concurrency: {per_upstream: -1, per_client: 2}}\n")
	f.Add("routes:\n  - {path: /login, upstream: app, auth: none, rate_limit: [], brute_force: {username_field: user, lockout: 2h, max_lockout: 1h}}\n")
	f.Add("routes:\n  - {path: /x, upstream: app, auth: none, rate_limit: [{key: \"claim:\", limit: 1000000000, window: 1s}]}\n")
	f.Fuzz(func(t *testing.T, yaml string) {
		cfg, diags := parseLimits(t, yaml)
		if !diags.HasErrors() && cfg == nil {
			t.Fatal("no config and no error")
		}
		if strings.Contains(diags.String(), "hunter2") {
			t.Fatal("the Redis password is printed")
		}
	})
}
