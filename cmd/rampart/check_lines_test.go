package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkBase is a file whose line 8 is the route's last line and line 10 the
// slot for a top-level section; each case puts its mistake there.
const checkBase = `upstreams:
  app:
    url: http://127.0.0.1:9000
%s
routes:
  - path: /api/search
    upstream: app
    auth: %s
%s
%s
`

// TestCheckLocatesFeatureErrors runs rampart check on files with one
// mistake each, in the loader (the feature's own validation) or in the
// gateway compile step, and wants every error at its file, line and field.
func TestCheckLocatesFeatureErrors(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"bad-openapi.yaml": "openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n",
		"dangling.yaml":    "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {$ref: '#/components/responses/Missing'}}\n",
		"noschema.yaml":    "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n    delete:\n      responses: {'204': {description: gone}}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	jwtSection := "auth:\n  jwt:\n    issuers:\n      - issuer: https://id.example/\n        audience: [api]\n        algorithms: [ES256, none]\n        jwks_url: https://id.example/jwks.json\n"
	tests := []struct {
		name                  string
		upstream, auth, route string
		section               string
		want                  string
		ok                    bool // check passes, with warnings
	}{
		{name: "JWT algorithm none", auth: "jwt", section: jwtSection,
			want: "x.yaml:15: error: auth.jwt.issuers[0].algorithms[1]: "},
		{name: "CORS origin with a path", auth: "none", section: "cors:\n  allowed_origins:\n    - https://ok.example\n    - https://app.example/\n",
			want: "x.yaml:13: error: cors.allowed_origins[1]: "},
		{name: "unknown header profile", auth: "none", section: "headers:\n  profile: helmut\n",
			want: "x.yaml:11: error: headers.profile: "},
		{name: "rate limit key of no kind", auth: "none", section: "rate_limits:\n  default:\n    - {key: cookie, limit: 10, window: 1m}\n",
			want: "x.yaml:12: error: rate_limits.default[0].key: "},
		{name: "rate limit under a microsecond", auth: "none", section: "rate_limits:\n  default:\n    - {key: ip, limit: 1000000000, window: 1ms}\n",
			want: "x.yaml:12: error: rate_limits.default[0].window: "},
		{name: "OpenAPI document missing", upstream: "    openapi: ./missing.yaml", auth: "none",
			want: "x.yaml:4: error: upstreams.app.openapi: "},
		{name: "upstream URL with credentials", upstream: "  other:\n    url: http://u:s3cr3t@127.0.0.1:9001", auth: "none",
			want: "x.yaml:5: error: upstreams.other.url: credentials in the URL"},
		{name: "WAF paranoia out of range (found by the gateway)", auth: "none", route: "    waf: {enabled: true,\n      paranoia: 5}",
			want: "x.yaml:10: error: routes[0].waf.paranoia: "},
		{name: "OpenAPI document invalid (found by the gateway)", upstream: "    openapi: ./bad-openapi.yaml", auth: "none",
			want: "x.yaml:4: error: upstreams.app.openapi: "},
		{name: "OpenAPI dangling reference (found by the gateway)", upstream: "    openapi: ./dangling.yaml", auth: "none",
			want: "x.yaml:4: error: upstreams.app.openapi: "},
		{name: "heap floor over 1 TiB", auth: "none", section: "server:\n  listen: 127.0.0.1:8080\n  heap_floor: 2199023255552\n",
			want: "x.yaml:12: error: server.heap_floor: 2199023255552 is over 1 TiB (1099511627776)"},
		{name: "identity header named like a forwarding header", auth: "none", section: "auth:\n  identity_headers:\n    subject: X-Forwarded-For\n",
			want: "x.yaml:12: error: auth.identity_headers.subject: X-Forwarded-For is a header the gateway sets"},
		{name: "identity header spelt like the request id", auth: "none", section: "auth:\n  identity_headers: {tenant: x_request_id}\n",
			want: `x.yaml:11: error: auth.identity_headers.tenant: "x_request_id" reads as X-Request-Id`},
		{name: "responses without schema pass under filter", upstream: "    openapi: ./noschema.yaml", auth: "none", ok: true,
			want: "x.yaml:2: warning: upstreams.app.validation.responses: 2 operation(s) in ./noschema.yaml declare no response schema; their responses pass unfiltered: DELETE /a, GET /a"},
		{name: "responses without schema refused under enforce", upstream: "    openapi: ./noschema.yaml\n    validation: {responses: enforce}", auth: "none", ok: true,
			want: "x.yaml:5: warning: upstreams.app.validation.responses: enforce: 2 operation(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(dir, "x.yaml")
			data := strings.Replace(checkBase, "%s", tt.upstream, 1)
			data = strings.Replace(data, "%s", tt.auth, 1)
			data = strings.Replace(data, "%s", tt.route, 1)
			data = strings.Replace(data, "%s", tt.section, 1)
			if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out := execute("check", "--config", f)
			if want := map[bool]int{false: 2, true: 0}[tt.ok]; code != want {
				t.Fatalf("exit %d, want %d:\n%s", code, want, out)
			}
			if !strings.Contains(out, f[:len(f)-len("x.yaml")]+tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
			if strings.Contains(out, "s3cr3t") {
				t.Errorf("output quotes a credential:\n%s", out)
			}
		})
	}
}
