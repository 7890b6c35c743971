package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/config"
	rlredis "github.com/rampart-api/rampart/ratelimit/redis"
)

// redisClient makes the client rate_limits.redis describes: one server,
// a Cluster or a Sentinel-watched master. It connects lazily, so check
// builds it without dialling; TLS files are read here, so check reports
// a missing or malformed one. Error messages never quote a URL or a
// password.
func redisClient(r *config.Redis) (goredis.UniversalClient, error) {
	if r == nil {
		return nil, errors.New("url is required")
	}
	tlsConfig, err := redisTLS(r.TLS)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	timeout := r.Timeout
	switch r.EffectiveMode() {
	case config.RedisCluster:
		return rlredis.NewClusterClient(&goredis.ClusterOptions{
			Addrs:     r.Addrs,
			Username:  r.Username.Value(),
			Password:  r.Password.Value(),
			TLSConfig: tlsConfig,
		}, timeout), nil
	case config.RedisSentinel:
		return rlredis.NewFailoverClient(&goredis.FailoverOptions{
			MasterName:       r.MasterName,
			SentinelAddrs:    r.Addrs,
			SentinelUsername: r.SentinelUsername.Value(),
			SentinelPassword: r.SentinelPassword.Value(),
			Username:         r.Username.Value(),
			Password:         r.Password.Value(),
			DB:               r.DB,
			TLSConfig:        tlsConfig,
		}, timeout), nil
	case config.RedisSingle:
		if r.URL.Value() == "" {
			return nil, errors.New("url is required")
		}
		opt, err := goredis.ParseURL(r.URL.Value())
		if err != nil {
			// go-redis's message may quote the URL, password included.
			return nil, errors.New("url is not a valid Redis URL")
		}
		if r.Username.IsSet() {
			opt.Username = r.Username.Value()
		}
		if r.Password.IsSet() {
			opt.Password = r.Password.Value()
		}
		if tlsConfig != nil {
			if opt.TLSConfig != nil && tlsConfig.ServerName == "" {
				tlsConfig.ServerName = opt.TLSConfig.ServerName
			}
			opt.TLSConfig = tlsConfig
		}
		return rlredis.NewClient(opt, timeout), nil
	default:
		return nil, fmt.Errorf("mode %q is not single, cluster or sentinel", r.Mode)
	}
}

// redisTLS is the client TLS configuration of t, or nil without t.
func redisTLS(t *config.RedisTLS) (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify, // insecure_skip_verify in the file; check warns
	}
	var errs []error
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("ca_file: %w", err))
		} else {
			c.RootCAs = x509.NewCertPool()
			if !c.RootCAs.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("ca_file: %s holds no PEM certificate", t.CAFile))
			}
		}
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			// The message names files, never key material.
			errs = append(errs, fmt.Errorf("cert_file/key_file: %s", strings.TrimPrefix(err.Error(), "tls: ")))
		} else {
			c.Certificates = []tls.Certificate{cert}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// redisSettings identifies a client for [shared]: gateways built from
// configurations that reach Redis the same way share one client.
func redisSettings(r *config.Redis) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%s|%d|%s", r.EffectiveMode(), r.URL.Value(), strings.Join(r.Addrs, ","), r.MasterName, r.DB, r.Timeout)
	for _, s := range []config.Secret{r.Username, r.Password, r.SentinelUsername, r.SentinelPassword} {
		fmt.Fprintf(&b, "|%d:%s", len(s.Value()), s.Value())
	}
	if t := r.TLS; t != nil {
		fmt.Fprintf(&b, "|tls:%s|%s|%s|%s|%t", t.CAFile, t.CertFile, t.KeyFile, t.ServerName, t.InsecureSkipVerify)
	}
	return b.String()
}
