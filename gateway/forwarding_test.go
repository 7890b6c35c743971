package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
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
		// A subject header named like one the proxy sets: with no
		// principal the upstream gets neither the client's value nor the
		// proxy's, as for any header named for the identity.
		{"subject named X-Real-IP", "auth: {identity_headers: {subject: X-Real-IP}}\n",
			[]string{"X-Real-Ip", "x_real_ip"},
			[]string{"X-Real-Ip"},
			map[string]string{"X-Forwarded-For": "203.0.113.50"}},
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
