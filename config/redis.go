package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Redis modes: how the gateway reaches the shared store.
const (
	// RedisSingle is one server at rate_limits.redis.url.
	RedisSingle = "single"
	// RedisCluster is a Redis Cluster reached through seed nodes; the
	// client follows slot moves and failovers on its own.
	RedisCluster = "cluster"
	// RedisSentinel is a master found through Sentinels, followed across
	// failovers.
	RedisSentinel = "sentinel"
)

// RedisTLS turns on TLS to every Redis node (and Sentinel); its presence
// alone, even empty, does. Files are relative to the config file.
type RedisTLS struct {
	// CAFile holds the PEM certificates that sign the servers'
	// certificates; empty means the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate, for servers that
	// require one (tls-auth-clients).
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName is the name the servers' certificates must carry; empty
	// means each node's host.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any server certificate, so anyone on the
	// path can read and forge the counters. It MUST NOT be used outside
	// a test; rampart check warns about it.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// EffectiveMode is Mode, or [RedisSingle] when it is empty.
func (r *Redis) EffectiveMode() string {
	if r.Mode == "" {
		return RedisSingle
	}
	return r.Mode
}

// redisTopology checks how the store is reached: the fields each mode
// needs, the fields it cannot use, every address, and the TLS block.
// Secrets are resolved here; none is ever printed.
func (v *validator) redisTopology(p string, r *Redis) {
	mode := r.EffectiveMode()
	onlyFor := func(field, modes string) {
		v.errorf(p+"."+field, "only with mode %s", modes)
	}
	switch mode {
	case RedisSingle:
		if !r.URL.IsSet() {
			v.errorf(p+".url", "required (or set mode: cluster or sentinel with addrs)")
		}
		if len(r.Addrs) > 0 {
			onlyFor("addrs", "cluster or sentinel; a single server is given by url")
		}
		if r.MasterName != "" {
			onlyFor("master_name", "sentinel")
		}
		if r.DB != 0 {
			v.errorf(p+".db", "with mode single the database is the URL's path (redis://host:6379/2)")
		}
	case RedisCluster, RedisSentinel:
		if r.URL.IsSet() {
			onlyFor("url", "single; list the nodes in addrs")
		}
		if len(r.Addrs) == 0 {
			if mode == RedisCluster {
				v.errorf(p+".addrs", "required with mode cluster: one or more host:port seed nodes")
			} else {
				v.errorf(p+".addrs", "required with mode sentinel: the host:port of each Sentinel")
			}
		}
		v.redisAddrs(p, r)
		if mode == RedisCluster {
			if r.MasterName != "" {
				onlyFor("master_name", "sentinel")
			}
			if r.DB != 0 {
				v.errorf(p+".db", "a Redis Cluster has only database 0")
			}
			if strings.ContainsAny(r.Prefix, "{}") {
				v.errorf(p+".prefix", "must not contain { or }: keys carry their own Cluster hash tags, and a tag in the prefix would put every key in one slot")
			}
		} else {
			if r.MasterName == "" {
				v.errorf(p+".master_name", "required with mode sentinel: the name the Sentinels monitor")
			}
			if r.DB < 0 {
				v.errorf(p+".db", "must not be negative")
			}
			if len(r.Addrs) == 1 {
				v.warnf(p+".addrs", "one Sentinel: while it is down the gateway cannot find the master; list every Sentinel")
			}
		}
	default:
		v.errorf(p+".mode", "%q is not single, cluster or sentinel", r.Mode)
	}
	if mode != RedisSentinel {
		if r.SentinelUsername.IsSet() {
			onlyFor("sentinel_username", "sentinel")
		}
		if r.SentinelPassword.IsSet() {
			onlyFor("sentinel_password", "sentinel")
		}
	}
	v.secret(p+".username", &r.Username)
	v.secret(p+".password", &r.Password)
	v.secret(p+".sentinel_username", &r.SentinelUsername)
	v.secret(p+".sentinel_password", &r.SentinelPassword)
	v.redisTLS(p, r)
}

// redisURL warns about a URL written in the file, like any secret,
// unless it holds no password (one given in password instead): then it
// is no secret.
func (v *validator) redisURL(path string, s *Secret) {
	if s.IsSet() && !s.IsReference() && !strings.Contains(s.ref, "${") {
		if u, err := url.Parse(s.ref); err == nil {
			if _, has := u.User.Password(); !has {
				return
			}
		}
	}
	v.secret(path, s)
}

// redisAddrs checks that every address is host:port and warns when one
// is reached in clear over the network.
func (v *validator) redisAddrs(p string, r *Redis) {
	seen := map[string]bool{}
	clear := ""
	for i, a := range r.Addrs {
		ap := fmt.Sprintf("%s.addrs[%d]", p, i)
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" {
			v.errorf(ap, "%q is not host:port", a)
			continue
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			v.errorf(ap, "port %q is not 1-65535", port)
			continue
		}
		if seen[a] {
			v.errorf(ap, "%s is listed twice", a)
		}
		seen[a] = true
		if !isLoopback(host) && clear == "" {
			clear = ap
		}
	}
	if clear != "" && r.TLS == nil {
		v.warnf(clear, "without tls the password and the counters cross the network in clear; add tls")
	}
}

func (v *validator) redisTLS(p string, r *Redis) {
	t := r.TLS
	if t == nil {
		return
	}
	p += ".tls"
	if r.EffectiveMode() == RedisSingle && r.URL.Value() != "" {
		if u, err := url.Parse(r.URL.Value()); err == nil && u.Scheme == "unix" {
			v.errorf(p, "not with a unix socket")
		}
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		v.errorf(p+".key_file", "cert_file and key_file go together")
	}
	if t.InsecureSkipVerify {
		v.warnf(p+".insecure_skip_verify", "any server certificate is accepted: anyone on the path can read and change the counters")
	}
}
