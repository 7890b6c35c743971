package gateway_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/authz"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// realIPUpstream trusts the client address the way chi's RealIP middleware
// does (True-Client-IP, then X-Real-IP, then the first X-Forwarded-For
// entry) and routes on X-Original-URL / X-Rewrite-URL the way Symfony and
// IIS do, and serves /admin only to 10.0.0.0/8.
type realIPUpstream struct {
	mu   sync.Mutex
	ip   string
	path string
	hits int
}

func (u *realIPUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := r.Header.Get("True-Client-IP")
	if ip == "" {
		ip = r.Header.Get("X-Real-IP")
	}
	if ip == "" {
		ip, _, _ = strings.Cut(r.Header.Get("X-Forwarded-For"), ",")
	}
	path := r.URL.Path
	for _, h := range []string{"X-Original-URL", "X-Rewrite-URL"} {
		if v := r.Header.Get(h); v != "" {
			path = v
		}
	}
	path = r.Header.Get("X-Forwarded-Prefix") + path
	u.mu.Lock()
	u.ip, u.path = strings.TrimSpace(ip), path
	u.hits++
	u.mu.Unlock()
	if a, err := netip.ParseAddr(strings.TrimSpace(ip)); strings.HasPrefix(path, "/admin") && (err != nil || !netip.MustParsePrefix("10.0.0.0/8").Contains(a)) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func TestForwardingHeadersCannotSpeakForTheClient(t *testing.T) {
	yaml := `
upstreams:
  app: {url: %[1]s}
routes:
  - {path: /api/items, methods: [GET], upstream: app, auth: none}
`
	up := &realIPUpstream{}
	f := newLimitFixture(t, yaml, up, "")
	tests := []struct{ header, value string }{
		{"True-Client-IP", "10.0.0.5"},
		{"X-Real-IP", "10.0.0.5"},
		{"X-Client-IP", "10.0.0.5"},
		{"CF-Connecting-IP", "10.0.0.5"},
		{"Fastly-Client-IP", "10.0.0.5"},
		{"X-Cluster-Client-IP", "10.0.0.5"},
		{"X-Forwarded-For", "10.0.0.5"},
		{"Forwarded", "for=10.0.0.5"},
		{"X-Original-URL", "/admin/users"},
		{"X-Rewrite-URL", "/admin/users"},
		{"X-Original-Host", "admin.internal"},
		{"X-Forwarded-Prefix", "/admin"},
		{"X-Forwarded-Port", "8443"},
		{"True_Client_IP", "10.0.0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/items", nil)
			r.RemoteAddr = "203.0.113.50:4321"
			r.Header[tt.header] = []string{tt.value}
			w := httptest.NewRecorder()
			f.gw.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			up.mu.Lock()
			defer up.mu.Unlock()
			if up.ip != "203.0.113.50" || up.path != "/api/items" {
				t.Fatalf("upstream believed ip %q path %q", up.ip, up.path)
			}
		})
	}
}

// A Connection header could make the proxy drop, as hop-by-hop, a header
// the gateway set or a check read. Such a request is refused before any
// step runs.
func TestConnectionCannotNameEndToEndHeaders(t *testing.T) {
	f := newFixture(t, "")
	tests := []struct {
		connection string
		status     int
	}{
		{"X-Request-Id", 400},
		{"keep-alive, X-Forwarded-For", 400},
		{"X-Real-IP", 400},
		{"Authorization", 400},
		{"Content-Type", 400},
		{"X-Rampart-Subject", 400},
		{"keep-alive", 200},
		{"Keep-Alive, TE", 200},
		{"close", 200},
	}
	for _, tt := range tests {
		t.Run(tt.connection, func(t *testing.T) {
			before := f.up.count()
			f.events.Reset()
			r := httptest.NewRequest("GET", "/api/items/1", nil)
			r.Header.Set("Connection", tt.connection)
			w := f.do(r)
			if tt.status != 200 {
				checkProblem(t, w, tt.status)
				if f.up.count() != before {
					t.Fatal("upstream reached")
				}
				if !strings.Contains(f.events.String(), `"event":"request.rejected"`) {
					t.Fatalf("no event: %s", f.events)
				}
				return
			}
			if w.Code != 200 || f.up.count() != before+1 {
				t.Fatalf("status %d", w.Code)
			}
			if got := f.up.last().Header.Get("X-Request-Id"); got == "" || got != w.Header().Get("X-Request-Id") {
				t.Fatalf("request id upstream %q", got)
			}
		})
	}
}

// Identity headers are the gateway's to set: a client's copies, in any
// case or with '_' for '-', never reach the upstream, on a route with no
// authentication as on any other, and neither do forwarding headers the
// client made up.
func TestClientIdentityHeadersRemoved(t *testing.T) {
	for _, tt := range []struct {
		name, extra string
		spoofed     []string          // sent by the client with the value "spoofed"
		absent      []string          // not sent upstream at all
		want        map[string]string // sent upstream with this value
	}{
		{"default names", "",
			[]string{"X-Rampart-Subject", "x-rampart-roles", "X_Rampart_Tenant", "X-RAMPART-SCOPES", "X_Forwarded_Host", "True-Client-Ip", "X-Original-Url", "X-Real-Ip"},
			[]string{"X-Rampart-Subject", "X-Rampart-Roles", "X-Rampart-Tenant", "X-Rampart-Scopes"},
			map[string]string{"X-Real-Ip": "203.0.113.50", "X-Forwarded-Host": "example.com"}},
		{"renamed subject", "auth: {identity_headers: {subject: X-User}}\n",
			[]string{"X-User", "x_user", "X-Rampart-Subject"},
			[]string{"X-User", "X-Rampart-Subject"},
			map[string]string{"X-Real-Ip": "203.0.113.50"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.extra)
			r := httptest.NewRequest("GET", "/api/items/1", nil)
			r.RemoteAddr = "203.0.113.50:4321"
			for _, k := range tt.spoofed {
				r.Header[k] = []string{"spoofed"}
			}
			r.Header["X-Rampart"] = []string{"unrelated"}
			if w := f.do(r); w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			got := f.up.last().Header
			for k, vs := range got {
				if slices.Contains(vs, "spoofed") {
					t.Errorf("upstream got the client's %s", k)
				}
			}
			for _, k := range tt.absent {
				if v, ok := got[k]; ok {
					t.Errorf("upstream got %s: %q", k, v)
				}
			}
			for k, v := range tt.want {
				if got.Get(k) != v {
					t.Errorf("upstream %s = %q, want %q", k, got.Get(k), v)
				}
			}
			if got.Get("X-Rampart") != "unrelated" {
				t.Error("unrelated header removed")
			}
		})
	}
}

// An identity header named like one the proxy sets is refused by the
// gateway too, not only by the file's validation, so a configuration
// built in Go cannot reach the proxy with it.
func TestIdentityHeaderNamedLikeProxyHeaderRefused(t *testing.T) {
	for _, name := range []string{"X-Real-IP", "x_forwarded_for", "X-Request-Id", "traceparent"} {
		t.Run(name, func(t *testing.T) {
			cfg, diags := config.Parse([]byte(fmt.Sprintf(baseConfig, "http://127.0.0.1:9")), "test.yaml")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			cfg.Auth.IdentityHeaders.Subject = name
			gw, err := gateway.New(cfg, gateway.Options{})
			if err == nil {
				gw.Close()
				t.Fatal("accepted")
			}
			var fe *config.FieldError
			if !errors.Is(err, authz.ErrReservedHeader) || !errors.As(err, &fe) || !strings.HasPrefix(fe.Path, "auth.identity_headers") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// Every header the upstream gets that the client did not send is either
// an identity header or one authz.ReservedHeaders lists, so an identity
// header can never be named like a header the gateway sets: a header the
// proxy starts to set must be added there.
func TestReservedHeadersCoverWhatTheGatewaySets(t *testing.T) {
	f := newFixture(t, "")
	r := httptest.NewRequest("GET", "/api/items/1", nil)
	r.RemoteAddr = "10.0.0.1:4321"
	r.Header.Set("X-Forwarded-For", "203.0.113.50")
	r.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	sent := r.Header.Clone()
	if w := f.do(r); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	fwd, err := authz.NewForwarder(authz.ForwardConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for k := range f.up.last().Header {
		if _, ok := sent[k]; ok && k != "X-Forwarded-For" && k != "Traceparent" {
			continue
		}
		if k == "Accept-Encoding" { // the transport's, only when the client sent none
			continue
		}
		if !fwd.IsIdentityHeader(k) && !slices.ContainsFunc(authz.ReservedHeaders, func(h string) bool { return strings.EqualFold(h, k) }) {
			t.Errorf("the upstream got %s from the gateway, which authz.ReservedHeaders does not list", k)
		}
	}
}

// Upstreams that sat behind oauth2-proxy read the identity from
// X-Forwarded-User, X-Forwarded-Groups and X-Forwarded-Email, names the
// proxy removes from client requests as forwarding headers. Renamed to
// them, the identity headers still reach the upstream, with the verified
// identity and only it: the client's copies, in any spelling, are gone.
func TestIdentityHeadersNamedLikeOAuth2Proxy(t *testing.T) {
	k, jwks := es256Key(t)
	tok, err := devtoken.Mint(devtoken.MintConfig{Key: k, Subject: "user-7", Roles: []string{"user", "billing"}, Extra: map[string]any{"email": "ann@example.com"},
		Audience: []string{"api"}, Issuer: "https://id.example/"})
	if err != nil {
		t.Fatal(err)
	}
	up := &recorder{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	cfg, diags := config.Parse([]byte(fmt.Sprintf(`
upstreams:
  app: {url: %s}
auth:
  identity_headers: {subject: X-Forwarded-User, roles: X-Forwarded-Groups, tenant: X-Forwarded-Email}
  jwt:
    issuers:
      - {issuer: "https://id.example/", audience: [api], algorithms: [ES256], jwks_file: %s, tenant_claim: email}
routes:
  - {path: "/api/notes/{id}", methods: [GET], upstream: app, auth: jwt, roles: [user]}
`, srv.URL, jwks)), filepath.Join(t.TempDir(), "rampart.yaml"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	gw, err := gateway.New(cfg, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })

	r := httptest.NewRequest("GET", "/api/notes/1", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	for _, k := range []string{"X-Forwarded-User", "x_forwarded_user", "X-FORWARDED-GROUPS", "X-Forwarded-Email", "X-Rampart-Subject"} {
		r.Header[k] = []string{"admin"}
	}
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	got := up.last().Header
	for k, vs := range got {
		if slices.Contains(vs, "admin") {
			t.Errorf("upstream got the client's %s", k)
		}
	}
	for k, want := range map[string]string{"X-Forwarded-User": "user-7", "X-Forwarded-Groups": "user,billing", "X-Forwarded-Email": "ann@example.com"} {
		if vs := got.Values(k); len(vs) != 1 || vs[0] != want {
			t.Errorf("upstream %s = %q, want [%q]", k, vs, want)
		}
	}
}
