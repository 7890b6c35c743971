package config_test

import (
	"strings"
	"testing"

	"github.com/rampart-api/rampart/config"
)

func TestRedisTopology(t *testing.T) {
	route := "routes:\n  - {path: /x, upstream: app, auth: none}\n"
	tests := []struct {
		name, redis string
		want        []string
	}{
		{"unknown mode, and the rest still checked", `{mode: ring, addrs: ["127.0.0.1:7000"], tls: {key_file: k.pem}}`,
			[]string{`x.yaml:5: error: rate_limits.redis.mode: "ring" is not single, cluster or sentinel`, "error: rate_limits.redis.tls.key_file: cert_file and key_file go together"}},
		{"cluster without addrs", `{mode: cluster}`,
			[]string{"error: rate_limits.redis.addrs: required with mode cluster"}},
		{"sentinel without master_name", `{mode: sentinel, addrs: ["127.0.0.1:26379", "127.0.0.1:26380"]}`,
			[]string{"error: rate_limits.redis.master_name: required with mode sentinel"}},
		{"sentinel without addrs", `{mode: sentinel, master_name: mymaster}`,
			[]string{"error: rate_limits.redis.addrs: required with mode sentinel"}},
		{"cluster with a url", `{mode: cluster, url: "${env:REDIS_URL}", addrs: ["127.0.0.1:7000"]}`,
			[]string{"error: rate_limits.redis.url: only with mode single"}},
		{"single with addrs", `{url: "${env:REDIS_URL}", addrs: ["127.0.0.1:7000"], master_name: m}`,
			[]string{"error: rate_limits.redis.addrs: only with mode cluster or sentinel", "error: rate_limits.redis.master_name: only with mode sentinel"}},
		{"addresses an attacker might slip in", `{mode: cluster, addrs: ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", ":7000", "[::1]:7000", "[::1]:7000", "redis://h:1"]}`,
			[]string{
				`error: rate_limits.redis.addrs[0]: "127.0.0.1" is not host:port`,
				`error: rate_limits.redis.addrs[1]: port "0" is not 1-65535`,
				`error: rate_limits.redis.addrs[2]: port "99999" is not 1-65535`,
				`error: rate_limits.redis.addrs[3]: ":7000" is not host:port`,
				"error: rate_limits.redis.addrs[5]: [::1]:7000 is listed twice",
				`error: rate_limits.redis.addrs[6]: "redis://h:1" is not host:port`,
			}},
		{"hash tag in a cluster prefix", `{mode: cluster, addrs: ["127.0.0.1:7000"], prefix: "{edge}:"}`,
			[]string{"error: rate_limits.redis.prefix: must not contain { or }"}},
		{"database in a cluster", `{mode: cluster, addrs: ["127.0.0.1:7000"], db: 3}`,
			[]string{"error: rate_limits.redis.db: a Redis Cluster has only database 0"}},
		{"sentinel password outside sentinel", `{mode: cluster, addrs: ["127.0.0.1:7000"], sentinel_password: "${env:REDIS_PASSWORD}"}`,
			[]string{"error: rate_limits.redis.sentinel_password: only with mode sentinel"}},
		{"literal password", `{mode: cluster, addrs: ["127.0.0.1:7000"], password: hunter2}`,
			[]string{"warning: rate_limits.redis.password: literal secret"}},
		{"missing password variable", `{mode: cluster, addrs: ["127.0.0.1:7000"], password: "${env:NOPE}"}`,
			[]string{"error: rate_limits.redis.password: environment variable NOPE is not set"}},
		{"cleartext cluster over the network", `{mode: cluster, addrs: ["10.0.0.5:7000"], password: "${env:REDIS_PASSWORD}"}`,
			[]string{"warning: rate_limits.redis.addrs[0]: without tls the password and the counters cross the network in clear"}},
		{"one sentinel", `{mode: sentinel, master_name: m, addrs: ["127.0.0.1:26379"]}`,
			[]string{"warning: rate_limits.redis.addrs: one Sentinel"}},
		{"tls mistakes", `{mode: cluster, addrs: ["10.0.0.5:7000"], tls: {cert_file: c.pem, insecure_skip_verify: true}}`,
			[]string{"error: rate_limits.redis.tls.key_file: cert_file and key_file go together", "warning: rate_limits.redis.tls.insecure_skip_verify"}},
		{"tls on a unix socket", `{url: "unix:///run/redis.sock", tls: {}}`,
			[]string{"error: rate_limits.redis.tls: not with a unix socket"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := parseLimits(t, "rate_limits:\n  store: redis\n  redis: "+tt.redis+"\n"+route)
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

func TestRedisTopologyQuiet(t *testing.T) {
	for _, redis := range []string{
		`{mode: cluster, addrs: ["127.0.0.1:7000", "127.0.0.1:7001"], password: "${env:REDIS_PASSWORD}"}`,
		`{mode: sentinel, master_name: mymaster, addrs: ["127.0.0.1:26379", "127.0.0.1:26380"], db: 2, sentinel_password: "${env:REDIS_PASSWORD}"}`,
		`{mode: cluster, addrs: ["redis-0.redis:6379", "redis-1.redis:6379"], tls: {ca_file: ca.pem, server_name: redis}}`,
		`{url: "${env:REDIS_URL}", password: "${env:REDIS_PASSWORD}"}`,
		`{url: "redis://127.0.0.1:6379/2", password: "${env:REDIS_PASSWORD}"}`,
	} {
		cfg, diags := parseLimits(t, "rate_limits:\n  store: redis\n  redis: "+redis+"\nroutes:\n  - {path: /x, upstream: app, auth: none}\n")
		if len(diags) != 0 {
			t.Errorf("%s drew:\n%s", redis, diags)
			continue
		}
		if tls := cfg.RateLimits.Redis.TLS; tls != nil && !strings.HasSuffix(tls.CAFile, "/ca.pem") && tls.CAFile != "ca.pem" {
			t.Errorf("ca_file %q", tls.CAFile)
		}
	}
}

// FuzzRedisTopology feeds arbitrary rate_limits.redis blocks to the
// loader: never a panic, never the password printed, and a block without
// errors names a mode that has what it needs.
func FuzzRedisTopology(f *testing.F) {
	for _, s := range []string{
		`{mode: cluster, addrs: ["127.0.0.1:7000", "[::1]:7001"], password: "${env:REDIS_PASSWORD}"}`,
		`{mode: sentinel, master_name: m, addrs: ["127.0.0.1:26379"], db: 2, sentinel_password: "${env:REDIS_PASSWORD}"}`,
		`{mode: ring, addrs: ["127.0.0.1", ":0", "redis://h:1"]}`,
		`{url: "redis://:hunter2@127.0.0.1:6379/0", tls: {cert_file: c.pem, insecure_skip_verify: true}}`,
		`{mode: cluster, prefix: "{x}", db: 1, url: "${env:REDIS_URL}"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, redis string) {
		cfg, diags := parseLimits(t, "rate_limits:\n  store: redis\n  redis: "+redis+"\nroutes:\n  - {path: /x, upstream: app, auth: none}\n")
		// The password comes from the environment; a block that spells
		// it out may see its own text quoted back.
		if !strings.Contains(redis, "hunter2") && strings.Contains(diags.String(), "hunter2") {
			t.Fatal("the Redis password is printed")
		}
		if diags.HasErrors() {
			return
		}
		if cfg == nil {
			t.Fatal("no config and no error")
		}
		r := cfg.RateLimits.Redis
		switch r.EffectiveMode() {
		case config.RedisSingle:
			if r.URL.Value() == "" {
				t.Fatal("mode single without a URL passed")
			}
		case config.RedisCluster:
			if len(r.Addrs) == 0 || strings.ContainsAny(r.Prefix, "{}") {
				t.Fatalf("cluster block passed: %v %q", r.Addrs, r.Prefix)
			}
		case config.RedisSentinel:
			if len(r.Addrs) == 0 || r.MasterName == "" {
				t.Fatal("sentinel block without addrs or master_name passed")
			}
		default:
			t.Fatalf("mode %q passed", r.Mode)
		}
	})
}
