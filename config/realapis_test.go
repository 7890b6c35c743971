package config_test

import (
	"strings"
	"testing"

	"github.com/rampart-api/rampart/auth/claims"
	"github.com/rampart-api/rampart/config"
)

func TestRealAPIConfig(t *testing.T) {
	const secret = "secret: ${env:JWT_SECRET}\n        algorithms: [HS256]\n"
	t.Setenv("JWT_SECRET", strings.Repeat("s", 32))
	t.Setenv("SHORT_SECRET", "secret")
	jwtBlock := func(top, issuer string) string {
		return "auth:\n  jwt:\n" + top + "    issuers:\n      - " + issuer
	}
	tests := []struct {
		name   string
		extra  string
		routes string
		prefix string
		want   []string
	}{
		{"issuer omitted with a secret: a warning", jwtBlock("", secret+"        dangerously_accept_any_audience: true\n"), "", "auth.jwt",
			[]string{"warning: auth.jwt.issuers[0]: no issuer", "warning: auth.jwt.issuers[0].dangerously_accept_any_audience"}},
		{"issuer and audience omitted", jwtBlock("", secret), "", "auth.jwt",
			[]string{"warning: auth.jwt.issuers[0]: no issuer", "error: auth.jwt.issuers[0].audience: required"}},
		{"issuer omitted with a JWKS URL", jwtBlock("", "jwks_url: https://id.example.com/jwks\n        algorithms: [ES256]\n        audience: [api]\n"), "", "auth.jwt",
			[]string{"error: auth.jwt.issuers[0].issuer: required with jwks_url"}},
		{"6-byte secret", jwtBlock("", "secret: ${env:SHORT_SECRET}\n        algorithms: [HS256]\n        issuer: https://id.example.com/\n        audience: [api]\n"), "", "auth.jwt",
			[]string{"error: auth.jwt.issuers[0].secret: key too weak: HMAC secret of 6 bytes"}},
		{"negative max_age", jwtBlock("", secret+"        issuer: i\n        audience: [api]\n        max_age: -1h\n"), "", "auth.jwt",
			[]string{"error: auth.jwt.issuers[0].max_age"}},
		{"weak RSA switch warns", jwtBlock("", secret+"        issuer: i\n        audience: [api]\n        dangerously_allow_weak_rsa: true\n"), "", "auth.jwt",
			[]string{"warning: auth.jwt.issuers[0].dangerously_allow_weak_rsa"}},
		{"unknown scheme", jwtBlock("    scheme: Token\n", secret+"        issuer: i\n        audience: [api]\n"), "", "auth.jwt",
			[]string{`error: auth.jwt.scheme: "Token": want Bearer or none`}},
		{"scheme none on Authorization warns", jwtBlock("    scheme: none\n", secret+"        issuer: i\n        audience: [api]\n"), "", "auth.jwt",
			[]string{"warning: auth.jwt.scheme: none"}},
		{"bad header", jwtBlock("    header: \"X Token\"\n", secret+"        issuer: i\n        audience: [api]\n"), "", "auth.jwt",
			[]string{"error: auth.jwt.header: not a valid header name"}},
		{"bad claim path list", jwtBlock("", secret+"        issuer: i\n        audience: [api]\n        roles_claim: [data, \"\"]\n"), "", "auth.jwt",
			[]string{"error: auth.jwt.issuers[0].roles_claim: claims: invalid claim path"}},
		{"deny with policy", "", "  - {path: /metrics, deny: true, upstream: app, roles: [admin], methods: [GET]}\n", "routes",
			[]string{"routes[0].upstream: a denied route forwards nothing", "routes[0].roles: a denied route", "routes[0].methods: a denied route"}},
		{"deny duplicates a wildcard", "", "  - {path: /ftp, deny: true}\n  - {path: \"/ftp/*\", upstream: app, auth: none}\n", "routes",
			[]string{"routes[1]: duplicate route"}},
		{"trailing_slash", "server: {trailing_slash: sometimes}\n", "", "server", []string{`server.trailing_slash: "sometimes": want strict or ignore`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, parseWith(t, tt.extra, tt.routes), tt.prefix, tt.want...)
		})
	}
	d := parseWith(t, "", "")
	if d.HasErrors() {
		t.Fatal(d)
	}
}

func TestClaimPathForms(t *testing.T) {
	t.Setenv("JWT_SECRET", strings.Repeat("s", 32))
	data := `upstreams:
  app: {url: "http://127.0.0.1:9000", keep_client_error_pages: true, forward_credentials: false}
auth:
  jwt:
    issuers:
      - secret: ${env:JWT_SECRET}
        algorithms: [HS256]
        dangerously_accept_any_audience: true
        subject_claim: userId
        roles_claim: ["https://shop.example/claims", roles]
routes:
  - {path: "/api/users/{id}", upstream: app, auth: jwt, owner: {param: id, claim: [data, id]}}
`
	cfg, diags := config.Parse([]byte(data), "x.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	is := cfg.Auth.JWT.Issuers[0]
	if is.SubjectClaim != "userId" || string(is.RolesClaim) != claims.Segments("https://shop.example/claims", "roles") {
		t.Fatalf("claims = %q, %q", is.SubjectClaim, is.RolesClaim)
	}
	if string(cfg.Routes[0].Owner.Claim) != claims.Segments("data", "id") {
		t.Fatalf("owner claim = %q", cfg.Routes[0].Owner.Claim)
	}
	if u := cfg.Upstreams["app"]; u.ForwardsCredentials() || !u.KeepClientErrorPages {
		t.Fatalf("upstream = %+v", u)
	}
	if !strings.Contains(diags.String(), "keep_client_error_pages") {
		t.Fatalf("no warning for keep_client_error_pages:\n%s", diags)
	}
	if cfg.Server.TrailingSlash != config.TrailingSlashStrict {
		t.Fatalf("trailing_slash default = %q", cfg.Server.TrailingSlash)
	}
}
