package config

import "fmt"

// resolve runs once, right after decoding: it replaces every ${env:} and
// ${file:} reference with its value, makes the file paths the file names
// absolute against its folder, and reads the OpenAPI documents into
// [Upstream.Document]. Validation and the gateway then only read the
// configuration; neither resolves anything again. Each failure is an
// error at the field it concerns.
func (c *Config) resolve(r resolver, lines map[string]int) Diagnostics {
	v := &validator{file: c.File, lines: lines}
	secret := func(path string, s *Secret) {
		if err := r.resolve(s); err != nil {
			for _, e := range unjoin(err) {
				v.errorf(path, "%v", e)
			}
		}
	}
	abs := func(p *string) {
		if *p != "" {
			*p = r.abs(*p)
		}
	}
	if t := c.Server.TLS; t != nil {
		abs(&t.CertFile)
		abs(&t.KeyFile)
	}
	if j := c.Auth.JWT; j != nil {
		for i := range j.Issuers {
			is := &j.Issuers[i]
			secret(fmt.Sprintf("auth.jwt.issuers[%d].secret", i), &is.Secret)
			abs(&is.PublicKeyFile)
			abs(&is.JWKSFile)
		}
	}
	if k := c.Auth.APIKey; k != nil {
		abs(&k.KeysFile)
	}
	if in := c.Auth.Introspection; in != nil {
		secret("auth.introspection.client_secret", &in.ClientSecret)
	}
	if rd := c.RateLimits.Redis; rd != nil {
		secret("rate_limits.redis.url", &rd.URL)
		secret("rate_limits.redis.username", &rd.Username)
		secret("rate_limits.redis.password", &rd.Password)
		secret("rate_limits.redis.sentinel_username", &rd.SentinelUsername)
		secret("rate_limits.redis.sentinel_password", &rd.SentinelPassword)
		if t := rd.TLS; t != nil {
			abs(&t.CAFile)
			abs(&t.CertFile)
			abs(&t.KeyFile)
		}
	}
	if t := c.Tokens; t != nil {
		secret("tokens.key_encryption_key", &t.KeyEncryptionKey)
		secret("tokens.postgres.url", &t.Postgres.URL)
		c.resolveTokenPaths(r)
	}
	secret("admin.token", &c.Admin.Token)
	for _, name := range sortedKeys(c.Upstreams) {
		u := c.Upstreams[name]
		if u.OpenAPI == "" {
			continue
		}
		// The document keeps the spelling of the file, which problems
		// quote; its bytes are read here once.
		data, err := r.read(r.abs(u.OpenAPI))
		path := "upstreams." + name + ".openapi"
		switch {
		case err != nil:
			v.errorf(path, "%s: %v", u.OpenAPI, unwrapPathError(err))
		case len(data) == 0:
			v.errorf(path, "%s is empty", u.OpenAPI)
		case len(data) > MaxDocumentBytes:
			v.errorf(path, "%s is larger than %d bytes", u.OpenAPI, MaxDocumentBytes)
		default:
			u.Document = data
			c.Upstreams[name] = u
		}
	}
	return v.diags
}
