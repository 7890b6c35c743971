package config_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/route"
)

// parseWith parses a minimal valid file with extra top-level YAML
// appended; routes, when given, replace the single default route.
func parseWith(t *testing.T, extra, routes string) config.Diagnostics {
	t.Helper()
	if routes == "" {
		routes = "  - {path: /api, upstream: app, auth: none}\n"
	}
	data := "upstreams:\n  app: {url: http://127.0.0.1:9000}\nroutes:\n" + routes + extra
	_, diags := config.Parse([]byte(data), "x.yaml")
	return diags
}

// ecJWKSFile writes a JWKS with one P-256 key and returns its path.
func ecJWKSFile(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	x, y := make([]byte, 32), make([]byte, 32)
	k.X.FillBytes(x)
	k.Y.FillBytes(y)
	jwks := fmt.Sprintf(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","alg":"ES256","use":"sig","x":%q,"y":%q}]}`, b64(x), b64(y))
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, []byte(jwks), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// expect checks that every want is in diags and no problem outside want is
// reported about prefix.
func expect(t *testing.T, diags config.Diagnostics, prefix string, want ...string) {
	t.Helper()
	got := diags.String()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q", w)
		}
	}
	for _, p := range diags {
		if !strings.HasPrefix(p.Path, prefix) {
			continue
		}
		found := false
		for _, w := range want {
			found = found || strings.Contains(p.String()+"\n", w)
		}
		if !found {
			t.Errorf("unexpected %s", p)
		}
	}
	if t.Failed() {
		t.Logf("got:\n%s", got)
	}
}

// allButLast4 covers every IPv4 address but 255.255.255.255 with
// 0.0.0.0/1, 128.0.0.0/2, ..., 255.255.255.254/32.
func allButLast4() []string {
	var out []string
	var start uint64
	for bits := 1; bits <= 32; bits++ {
		a := netip.AddrFrom4([4]byte{byte(start >> 24), byte(start >> 16), byte(start >> 8), byte(start)})
		out = append(out, netip.PrefixFrom(a, bits).String())
		start += 1 << (32 - bits)
	}
	return out
}

// allButFirst4 covers every IPv4 address but 0.0.0.0.
func allButFirst4() []string {
	var out []string
	end := uint64(1) << 32
	for bits := 1; bits <= 32; bits++ {
		end -= 1 << (32 - bits)
		a := netip.AddrFrom4([4]byte{byte(end >> 24), byte(end >> 16), byte(end >> 8), byte(end)})
		out = append(out, netip.PrefixFrom(a, bits).String())
	}
	return out
}

func TestTrustedProxiesCoverage(t *testing.T) {
	const every = "every peer may set X-Forwarded-For"
	tests := []struct {
		name    string
		proxies []string
		want    []string
	}{
		{"private ranges", []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fd00::/8"}, nil},
		{"single addresses", []string{"10.0.0.1", "::1", "::ffff:10.0.0.2"}, nil},
		{"every IPv4 peer", []string{"0.0.0.0/0"}, []string{"warning: server.trusted_proxies[0]: 0.0.0.0/0 trusts every IPv4 peer: " + every}},
		{"unmasked host bits", []string{"10.1.2.3/0"}, []string{"server.trusted_proxies[0]: 10.1.2.3/0 trusts every IPv4 peer"}},
		{"padded", []string{" 0.0.0.0/0 "}, []string{"server.trusted_proxies[0]: 0.0.0.0/0 trusts every IPv4 peer"}},
		{"two halves", []string{"0.0.0.0/1", "128.0.0.0/1"}, []string{"warning: server.trusted_proxies: 0.0.0.0/1, 128.0.0.0/1 together trust every IPv4 peer: " + every}},
		{"halves out of order among others", []string{"128.0.0.0/1", "10.0.0.0/8", "0.0.0.0/1", "10.0.0.1"}, []string{"server.trusted_proxies: 128.0.0.0/1, 10.0.0.0/8, 0.0.0.0/1, 10.0.0.1 together trust every IPv4 peer"}},
		{"one address short at the top", allButLast4(), nil},
		{"one address short at the top, then filled", append(allButLast4(), "255.255.255.255"), []string{"together trust every IPv4 peer"}},
		{"one address short at the bottom", allButFirst4(), nil},
		{"one address short at the bottom, then filled", append(allButFirst4(), "0.0.0.0"), []string{"together trust every IPv4 peer"}},
		{"gap in the middle", []string{"0.0.0.0/2", "128.0.0.0/1"}, nil},
		{"every IPv6 peer", []string{"::/0"}, []string{"server.trusted_proxies[0]: ::/0 trusts every IPv6 peer"}},
		{"IPv6 halves", []string{"8000::/1", "::/1"}, []string{"server.trusted_proxies: 8000::/1, ::/1 together trust every IPv6 peer"}},
		{"IPv6 top address missing", []string{"::/1", "8000::/2", "c000::/2"}, []string{"together trust every IPv6 peer"}},
		{"IPv6 gap", []string{"::/1", "c000::/2"}, nil},
		{"families do not cover each other", []string{"0.0.0.0/1", "8000::/1"}, nil},
		{"both families", []string{"::/0", "0.0.0.0/0"}, []string{"[0]: ::/0 trusts every IPv6 peer", "[1]: 0.0.0.0/0 trusts every IPv4 peer"}},
		{"a whole-space entry among others", []string{"10.0.0.0/8", "0.0.0.0/0"}, []string{"server.trusted_proxies[1]: 0.0.0.0/0 trusts every IPv4 peer"}},
		{"IPv4-mapped prefix", []string{"::ffff:0.0.0.0/96"}, []string{`error: server.trusted_proxies[0]: "::ffff:0.0.0.0/96" is not an address or CIDR prefix`}},
		{"IPv4-mapped everything", []string{"::ffff:0:0/1"}, []string{`error: server.trusted_proxies[0]: "::ffff:0:0/1" is not an address or CIDR prefix`}},
		{"zone", []string{"fe80::1%eth0/64"}, []string{`error: server.trusted_proxies[0]`}},
		{"garbage", []string{"0.0.0.0/0/0"}, []string{`error: server.trusted_proxies[0]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			quoted := make([]string, len(tt.proxies))
			for i, p := range tt.proxies {
				quoted[i] = fmt.Sprintf("%q", p)
			}
			diags := parseWith(t, "server:\n  trusted_proxies: ["+strings.Join(quoted, ", ")+"]\n", "")
			expect(t, diags, "server.trusted_proxies", tt.want...)
			if len(tt.want) == 0 && diags.HasErrors() {
				t.Fatalf("errors:\n%s", diags)
			}
		})
	}
}

func TestRouteCase(t *testing.T) {
	tests := []struct {
		name   string
		fold   bool
		routes [][2]string // path, methods
		want   []string
	}{
		{
			name:   "one capitalised route",
			routes: [][2]string{{"/Admin/users", "GET"}},
		},
		{
			name:   "case-sensitive: same path in two spellings",
			routes: [][2]string{{"/admin/users", "GET"}, {"/Admin/users", "GET"}},
			want:   []string{"error: routes[1]: /Admin/users differs from routes[0] (/admin/users) only in letter case"},
		},
		{
			name:   "case-sensitive: different methods still share the upstream's handler",
			routes: [][2]string{{"/admin/users", "GET"}, {"/ADMIN/Users", "DELETE"}},
			want:   []string{"error: routes[1]: /ADMIN/Users differs from routes[0] (/admin/users) only in letter case"},
		},
		{
			name:   "case-sensitive: parameters and wildcards",
			routes: [][2]string{{"/files/{id}/*", "GET"}, {"/Files/{name}/*", "POST"}},
			want:   []string{"routes[1]: /Files/{name}/* differs from routes[0] (/files/{id}/*) only in letter case"},
		},
		{
			name:   "case-sensitive: non-ASCII letters fold too",
			routes: [][2]string{{"/café", "GET"}, {"/CAFÉ", "POST"}},
			want:   []string{"routes[1]: /CAFÉ differs from routes[0] (/café) only in letter case"},
		},
		{
			name:   "case-sensitive: parameter names are not literals",
			routes: [][2]string{{"/u/{id}", "GET"}, {"/u/{ID}", "POST"}},
		},
		{
			name:   "case-sensitive: third spelling reported once",
			routes: [][2]string{{"/ab", "GET"}, {"/Ab", "POST"}, {"/AB", "PUT"}},
			want: []string{
				"routes[1]: /Ab differs from routes[0] (/ab) only in letter case",
				"routes[2]: /AB differs from routes[0] (/ab) only in letter case",
			},
		},
		{
			name:   "case-sensitive: spelling repeated with an overlapping method",
			routes: [][2]string{{"/a", "GET"}, {"/A", "POST"}, {"/A", "POST"}},
			want: []string{
				"routes[1]: /A differs from routes[0] (/a) only in letter case",
				"routes[2]: /A differs from routes[0] (/a) only in letter case",
				"routes[2]: duplicate route: POST /A overlaps routes[1] (POST /A)\n",
			},
		},
		{
			name:   "case-insensitive: same path in two spellings",
			fold:   true,
			routes: [][2]string{{"/admin/users", "GET"}, {"/Admin/users", "GET"}},
			want:   []string{"error: routes[1]: duplicate route: GET,HEAD /Admin/users overlaps routes[0] (GET,HEAD /admin/users) when case is ignored (server.case_insensitive_routes)"},
		},
		{
			name:   "case-insensitive: any method overlaps",
			fold:   true,
			routes: [][2]string{{"/admin/{id}", "DELETE"}, {"/ADMIN/{name}", "*"}},
			want:   []string{"routes[1]: duplicate route: * /ADMIN/{name} overlaps routes[0] (DELETE /admin/{id}) when case is ignored"},
		},
		{
			name:   "case-insensitive: distinct methods are one route",
			fold:   true,
			routes: [][2]string{{"/admin/users", "GET"}, {"/Admin/Users", "DELETE"}},
		},
		{
			name:   "case-insensitive: exact duplicate keeps its plain message",
			fold:   true,
			routes: [][2]string{{"/a", "GET"}, {"/a", "GET"}},
			want:   []string{"routes[1]: duplicate route: GET,HEAD /a overlaps routes[0] (GET,HEAD /a)\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var routes strings.Builder
			var specs []route.Spec
			for _, r := range tt.routes {
				fmt.Fprintf(&routes, "  - {path: %q, methods: [%q], upstream: app, auth: none}\n", r[0], r[1])
				specs = append(specs, route.Spec{Pattern: r[0], Methods: []string{r[1]}})
			}
			diags := parseWith(t, fmt.Sprintf("server: {case_insensitive_routes: %t}\n", tt.fold), routes.String())
			expect(t, diags, "routes", tt.want...)
			if n := len(diags.Errors()); n != len(tt.want) {
				t.Errorf("%d errors, want %d:\n%s", n, len(tt.want), diags)
			}
			// The file is refused exactly when the gateway's route
			// table would refuse it.
			_, err := route.NewTable(specs, route.Options{CaseInsensitive: tt.fold})
			if (err != nil) != diags.HasErrors() {
				t.Fatalf("route table: %v; config:\n%s", err, diags)
			}
		})
	}
}

func TestUpstreamTimeoutAgainstWrite(t *testing.T) {
	tests := []struct {
		name, upstream, server string
		want                   []string
	}{
		{"inherits", "", "", nil},
		{"shorter", "timeout: 10s", "", nil},
		{"equal to the default write timeout", "timeout: 30s", "", nil},
		{"longer than the default write timeout", "timeout: 31s", "", []string{"warning: upstreams.app.timeout: 31s is longer than server.timeouts.write (30s): the client connection is cut before the upstream times out"}},
		{"longer than a set write timeout", "timeout: 2m", "server: {timeouts: {write: 1m}}\n", []string{"upstreams.app.timeout: 2m0s is longer than server.timeouts.write (1m0s)"}},
		{"write timeout raised to match", "timeout: 2m", "server: {timeouts: {write: 5m}}\n", nil},
		{"negative", "timeout: -1s", "", []string{"error: upstreams.app.timeout: must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "upstreams:\n  app: {url: http://127.0.0.1:9000"
			if tt.upstream != "" {
				data += ", " + tt.upstream
			}
			data += "}\nroutes:\n  - {path: /api, upstream: app, auth: none}\n" + tt.server
			_, diags := config.Parse([]byte(data), "x.yaml")
			expect(t, diags, "upstreams.app.timeout", tt.want...)
		})
	}
}

func TestCORSWildcardInFile(t *testing.T) {
	diags := parseWith(t, "cors:\n  allowed_origins: [\"https://*.example.co.uk\", \"https://*.co.uk\", \"https://*.github.io\"]\n", "")
	expect(t, diags, "cors",
		`x.yaml:6: error: cors.allowed_origins[1]: "https://*.co.uk": "co.uk" is a public suffix`,
		`x.yaml:6: error: cors.allowed_origins[2]: "https://*.github.io": "github.io" is a public suffix`,
	)
}

func TestJWTIssuerDangerousSwitches(t *testing.T) {
	issuer := "auth:\n  jwt:\n    issuers:\n      - {issuer: \"https://id.example.com/\", algorithms: [ES256], jwks_file: " + ecJWKSFile(t)
	tests := []struct {
		name, fields string
		want         []string
	}{
		{"strict", ", audience: [api]", nil},
		{"high S accepted", ", audience: [api], dangerously_accept_high_s: true", []string{
			`x.yaml:8: warning: auth.jwt.issuers[0].dangerously_accept_high_s: high-S ECDSA signatures from https://id.example.com/ are accepted`}},
		{"high S refused explicitly", ", audience: [api], dangerously_accept_high_s: false", nil},
		{"any audience", ", dangerously_accept_any_audience: true", []string{
			`x.yaml:8: warning: auth.jwt.issuers[0].dangerously_accept_any_audience: tokens for any service of https://id.example.com/ are accepted`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := parseWith(t, issuer+tt.fields+"}\n", "")
			expect(t, diags, "auth.jwt", tt.want...)
			if diags.HasErrors() {
				t.Fatalf("errors:\n%s", diags)
			}
		})
	}
}

// TestAPIKeyErrorsAtTheirField wants the authenticator's own refusals of
// an apikey block, keys file included, at the field they concern.
func TestAPIKeyErrorsAtTheirField(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keys.yaml"), []byte("- {hash: \"sha256:abc\", subject: ci}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hash := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name, block string
		want        []string
	}{
		{"valid", "    keys: [{hash: \"" + hash + "\", subject: ci}]\n", nil},
		{"no keys", "    header: X-Key\n", []string{"x.yaml:7: error: auth.apikey: keys or keys_file is required"}},
		{"short hash", "    keys:\n      - {hash: \"sha256:ab\", subject: ci}\n", []string{"x.yaml:9: error: auth.apikey.keys[0].hash: "}},
		{"no subject", "    keys:\n      - {hash: \"" + hash + "\"}\n", []string{"x.yaml:9: error: auth.apikey.keys[0].subject: required"}},
		{"duplicate hash", "    keys:\n      - {hash: \"" + hash + "\", subject: a}\n      - {hash: \"" + hash + "\", subject: b}\n", []string{"x.yaml:10: error: auth.apikey.keys[1].hash: "}},
		{"bearer tokens taken for keys", "    header: Authorization\n    keys: [{hash: \"" + hash + "\", subject: ci}]\n", []string{"error: auth.apikey.scheme: "}},
		{"bad entry in the keys file", "    keys_file: keys.yaml\n", []string{"x.yaml:8: error: auth.apikey.keys_file: "}},
		{"keys file missing", "    keys_file: absent.yaml\n", []string{"x.yaml:8: error: auth.apikey.keys_file: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "upstreams:\n  app: {url: http://127.0.0.1:9000}\nroutes:\n  - {path: /api, upstream: app, auth: apikey}\n\nauth:\n  apikey:\n" + tt.block
			_, diags := config.Parse([]byte(data), filepath.Join(dir, "x.yaml"))
			expect(t, diags, "auth.apikey", tt.want...)
		})
	}
}

// TestIntrospectionErrorsAtTheirField wants the authenticator's own
// refusals at the field they concern, with its line.
func TestIntrospectionErrorsAtTheirField(t *testing.T) {
	t.Setenv("IDP_SECRET", "s3cr3t-value")
	block := func(fields string) string {
		return "\nauth:\n  introspection:\n    client_id: gw\n    client_secret: ${env:IDP_SECRET}\n" + fields
	}
	tests := []struct {
		name, fields string
		want         []string
	}{
		{"valid", "    endpoint: https://idp.example/introspect\n", nil},
		{"no endpoint", "", []string{"x.yaml:7: error: auth.introspection.endpoint: required"}},
		{"plain http", "    endpoint: http://idp.example/introspect\n", []string{"x.yaml:10: error: auth.introspection.endpoint: must be https"}},
		{"plain http allowed", "    endpoint: http://127.0.0.1:9/introspect\n    insecure_allow_http: true\n", []string{"x.yaml:11: warning: auth.introspection.insecure_allow_http"}},
		{"auth method", "    endpoint: https://idp.example/introspect\n    auth_method: private_key_jwt\n", []string{`x.yaml:11: error: auth.introspection.auth_method: "private_key_jwt" is not one of`}},
		{"roles claim", "    endpoint: https://idp.example/introspect\n    roles_claim: a..b\n", []string{"x.yaml:11: error: auth.introspection.roles_claim: "}},
		{"negative cache ttl", "    endpoint: https://idp.example/introspect\n    cache_ttl: -1s\n", []string{"x.yaml:11: error: auth.introspection.cache_ttl: must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := parseWith(t, block(tt.fields), "  - {path: /api, upstream: app, auth: introspection}\n")
			expect(t, diags, "auth.introspection", tt.want...)
			if strings.Contains(diags.String(), "s3cr3t") {
				t.Fatal("secret printed")
			}
		})
	}
}
