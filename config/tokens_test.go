package config_test

import (
	"strings"
	"testing"

	"github.com/rampart-api/rampart/config"
)

const tokensRoutes = "  - {path: /api/login, methods: [POST], upstream: app, auth: none}\n  - {path: /api/me, upstream: app, auth: jwt}\n"

func parseTokens(t *testing.T, block string, env map[string]string) (*config.Config, config.Diagnostics) {
	t.Helper()
	data := "upstreams:\n  app: {url: http://127.0.0.1:9000}\nroutes:\n" + tokensRoutes + block
	return config.Parse([]byte(data), "/etc/rampart/x.yaml", config.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
}

var kekEnv = map[string]string{"KEK": "0123456789abcdef0123456789abcdef", "SHORT": "short", "PG": "postgres://db/x"}

func TestTokensBlockMakesAuthJWTTrustSelf(t *testing.T) {
	cfg, diags := parseTokens(t, `
tokens:
  issuer: https://api.example.com
  audience: api
  key_encryption_key: ${env:KEK}
  login: {path: /api/login}
  cookies: true
`, kekEnv)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	j := cfg.Auth.JWT
	if j == nil || len(j.Issuers) != 1 || j.Issuers[0].Issuer != config.SelfIssuer || j.Cookie != "rampart_access" {
		t.Fatalf("auth.jwt = %+v", j)
	}
	jc := j.Config()
	if is := jc.Issuers[0]; is.Issuer != "https://api.example.com" || is.Audience[0] != "api" || is.Algorithms[0] != "ES256" || is.KeySource == nil || is.Type != "at+jwt" {
		t.Fatalf("self issuer %+v", is)
	}
	if cfg.Tokens.Store != "sqlite" || cfg.Tokens.SQLite.Path != "/etc/rampart/rampart-tokens.db" {
		t.Fatalf("store %q at %q", cfg.Tokens.Store, cfg.Tokens.SQLite.Path)
	}
	if !strings.Contains(diags.String(), "tokens.cookies") {
		t.Fatalf("no warning about Secure cookies without TLS: %s", diags)
	}
}

func TestTokensBlockListsEveryProblem(t *testing.T) {
	_, diags := parseTokens(t, `
tokens:
  issuer: http://api.example.com
  algorithm: RS256
  access_ttl: 48h
  refresh_ttl: 1h
  rotate_every: 10m
  key_encryption_key: ${env:SHORT}
  store: mysql
  token_path: /api/me
  logout_path: /oauth/revoke
  login: {path: /api/logon, roles_pointer: roles}
  clients:
    - {id: "a:b", secret_hash: "sha256:00"}
    - {id: c, secret_hash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"}
    - {id: c, secret_hash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"}
`, kekEnv)
	for _, want := range []string{
		"x.yaml:8: error: tokens.issuer", "tokens.audience: required", "tokens.algorithm", "tokens.access_ttl", "tokens.refresh_ttl",
		"tokens.rotate_every", "tokens.key_encryption_key: 5 bytes", "tokens.store", "tokens.token_path: /api/me is also routes[1]",
		"tokens.logout_path: /oauth/revoke is also tokens.revoke_path", "tokens.login.path", "tokens.login.roles_pointer",
		"tokens.login.subject_pointer", "tokens.clients[0].id", "tokens.clients[0].secret_hash", `tokens.clients[2].id: "c" is also tokens.clients[1]`,
	} {
		if !strings.Contains(diags.String(), want) {
			t.Errorf("missing %q in\n%s", want, diags)
		}
	}
	if strings.Contains(diags.String(), "auth.jwt") {
		t.Errorf("the tokens block's problems are repeated under auth.jwt:\n%s", diags)
	}
}

func TestTokensStoreAndSelfIssuerRules(t *testing.T) {
	_, diags := parseTokens(t, `
auth:
  jwt:
    issuers:
      - {issuer: self, audience: [other], algorithms: [HS256]}
tokens:
  issuer: https://api.example.com
  audience: api
  key_encryption_key: ${env:KEK}
  store: postgres
`, kekEnv)
	for _, want := range []string{"auth.jwt.issuers[0]: the self issuer takes", "tokens.postgres.url: required"} {
		if !strings.Contains(diags.String(), want) {
			t.Errorf("missing %q in\n%s", want, diags)
		}
	}
	d := parseWith(t, "auth:\n  jwt:\n    issuers:\n      - {issuer: self}\n", "")
	if !strings.Contains(d.String(), "configure the tokens block") {
		t.Errorf("self without tokens: %s", d)
	}
	_, diags = parseTokens(t, `
tokens:
  issuer: https://api.example.com
  audience: api
  key_encryption_key: literal-kek-in-the-file-0123456789abcdef
  store: postgres
  postgres: {url: "${env:PG}"}
`, kekEnv)
	if diags.HasErrors() || !strings.Contains(diags.String(), "literal secret") {
		t.Errorf("literal KEK: %s", diags)
	}
}
