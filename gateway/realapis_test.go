package gateway_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/apikey"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/problem"
)

// shopUpstream behaves like an Express app serving a single-page app: any
// path answers, unknown API paths with Express's HTML error page, and it
// reports the credentials it received.
type shopUpstream struct {
	mu   sync.Mutex
	last *http.Request
	hits int
}

func (u *shopUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.last, u.hits = r.Clone(r.Context()), u.hits+1
	u.mu.Unlock()
	w.Header().Set("X-Powered-By", "Express")
	if strings.Contains(r.URL.Path, "/api/missing") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "<!DOCTYPE html><pre>Cannot GET %s (token %s)</pre>", r.URL.Path, r.Header.Get("Authorization"))
		return
	}
	if r.URL.Path == "/api/invalid" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"\"email\" must be a valid email"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"path": r.URL.Path, "authorization": r.Header.Get("Authorization"), "token": r.Header.Get("X-Access-Token"),
		"key": r.Header.Get("X-Api-Key"), "cookie": r.Header.Get("Cookie"), "subject": r.Header.Get("X-Rampart-Subject"),
	})
}

func (u *shopUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits
}

type shop struct {
	gw     *gateway.Gateway
	up     *shopUpstream
	events *bytes.Buffer
}

func newShop(t *testing.T, yaml string) *shop {
	t.Helper()
	up := &shopUpstream{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	cfg, diags := config.Parse([]byte(strings.ReplaceAll(yaml, "UPSTREAM", srv.URL)), "shop.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	s := &shop{up: up, events: &bytes.Buffer{}}
	gw, err := gateway.New(cfg, gateway.Options{Events: audit.NewLogger(slog.NewJSONHandler(s.events, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	s.gw = gw
	return s
}

func (s *shop) do(method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	s.gw.ServeHTTP(w, r)
	return w
}

func TestDenyRoutes(t *testing.T) {
	s := newShop(t, `
upstreams:
  app: {url: UPSTREAM}
routes:
  - {path: "/*", methods: ["*"], upstream: app, auth: none}
  - {path: "/ftp/*", deny: true}
  - {path: "/metrics", deny: true}
  - {path: "/support/logs", deny: true}
  - {path: "/ftp/public/{file}", upstream: app, auth: none}
`)
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/", 200},
		{"GET", "/main.js", 200},
		{"GET", "/rest/products/search", 200},
		{"GET", "/ftp", 404},
		{"GET", "/ftp/", 404},
		{"GET", "/ftp/acquisitions.md", 404},
		{"GET", "/ftp/a/b/c", 404},
		{"GET", "/ftp/%2e%2e/ftp/x", 404},
		{"GET", "/ftp/./x", 404},
		{"GET", "//ftp//x", 404},
		{"GET", "/%66tp/x", 404},
		{"GET", "/FTP/x", 404},
		{"DELETE", "/ftp/x", 404},
		{"GET", "/ftp/public/menu.pdf", 200},
		{"GET", "/metrics", 404},
		{"GET", "/metrics/", 404},
		{"POST", "/metrics/x", 404},
		{"GET", "/support/logs", 404},
		{"GET", "/support/logs/access.log.2024", 404},
		{"GET", "/support", 200},
		{"GET", "/metricsx", 200},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			before := s.up.count()
			s.events.Reset()
			w := s.do(tt.method, tt.path, nil)
			if w.Code != tt.want {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, w.Code, tt.want, w.Body)
			}
			forwarded := s.up.count() > before
			if forwarded != (tt.want == 200) {
				t.Fatalf("forwarded = %v", forwarded)
			}
			if tt.want == 404 {
				if w.Header().Get("Content-Type") != problem.ContentType {
					t.Fatalf("not a problem: %q", w.Body)
				}
				if !strings.Contains(s.events.String(), `"event":"request.rejected"`) {
					t.Fatalf("no event: %s", s.events)
				}
			}
		})
	}
	w := s.do("GET", "/metrics", nil)
	s.events.Reset()
	s.do("GET", "/metrics", nil)
	if !strings.Contains(s.events.String(), `"owasp":"API9:2023"`) || !strings.Contains(s.events.String(), "denied route") {
		t.Fatalf("event = %s", s.events)
	}
	// A denied path answers exactly like a path no route has.
	none := newShop(t, "upstreams:\n  app: {url: UPSTREAM}\nroutes:\n  - {path: /x, upstream: app, auth: none}\n").do("GET", "/metrics", nil)
	var denied, unrouted map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &denied)
	_ = json.Unmarshal(none.Body.Bytes(), &unrouted)
	delete(denied, "request_id")
	delete(unrouted, "request_id")
	if w.Code != none.Code || fmt.Sprint(denied) != fmt.Sprint(unrouted) || len(denied) == 0 {
		t.Fatalf("denied %d %q, unrouted %d %q", w.Code, w.Body, none.Code, none.Body)
	}
}

func TestTrailingSlash(t *testing.T) {
	key := "k_" + strings.Repeat("a", 40)
	conf := func(mode string) string {
		return `
server: {trailing_slash: ` + mode + `}
upstreams:
  app: {url: UPSTREAM}
auth:
  apikey:
    keys:
      - {hash: "` + apikey.Hash(key) + `", subject: ops, roles: [admin]}
routes:
  - {path: "/*", methods: ["*"], upstream: app, auth: none}
  - {path: "/admin/data", upstream: app, auth: apikey, roles: [admin]}
  - {path: "/api/users/{id}", upstream: app, auth: apikey}
`
	}
	tests := []struct {
		mode, path string
		key        bool
		want       int
		upstream   string // path the upstream sees
	}{
		{"strict", "/admin/data", false, 401, ""},
		{"strict", "/admin/data/", false, 404, ""},
		{"strict", "/admin/data//", false, 404, ""},
		{"strict", "/api/users/2/", false, 404, ""},
		{"strict", "/admin/data/", true, 404, ""},
		{"strict", "/main.js/", false, 200, "/main.js/"},
		{"strict", "/", false, 200, "/"},
		{"ignore", "/admin/data/", false, 401, ""},
		{"ignore", "/admin/data/", true, 200, "/admin/data"},
		{"ignore", "/api/users/2/", true, 200, "/api/users/2"},
		{"ignore", "/main.js/", false, 200, "/main.js"},
		{"ignore", "/", false, 200, "/"},
	}
	shops := map[string]*shop{"strict": newShop(t, conf("strict")), "ignore": newShop(t, conf("ignore"))}
	for _, tt := range tests {
		t.Run(tt.mode+" "+tt.path, func(t *testing.T) {
			s := shops[tt.mode]
			hdr := map[string]string{}
			if tt.key {
				hdr["X-API-Key"] = key
			}
			w := s.do("GET", tt.path, hdr)
			if w.Code != tt.want {
				t.Fatalf("%d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if c := w.Header().Get("WWW-Authenticate"); c != "" {
				t.Fatalf("API-key route challenges %q", c)
			}
			if tt.upstream != "" {
				var got map[string]string
				if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got["path"] != tt.upstream {
					t.Fatalf("upstream saw %q, want %q", got["path"], tt.upstream)
				}
			}
		})
	}
	if _, diags := config.Parse([]byte("upstreams:\n  app: {url: http://127.0.0.1:1}\nserver: {trailing_slash: loose}\nroutes:\n  - {path: /x, upstream: app, auth: none}\n"), "x.yaml"); !strings.Contains(diags.String(), "server.trailing_slash") {
		t.Fatalf("trailing_slash: loose accepted: %s", diags)
	}
}

const shopSecret = "shop-secret-from-the-environment-32bytes"

func hs256(t *testing.T, claims gjwt.MapClaims) string {
	t.Helper()
	s, err := gjwt.NewWithClaims(gjwt.SigningMethodHS256, claims).SignedString([]byte(shopSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCredentialsAndChallenges(t *testing.T) {
	t.Setenv("SHOP_SECRET", shopSecret)
	conf := func(scheme, header, forward string) string {
		return `
upstreams:
  app: {url: UPSTREAM` + forward + `}
auth:
  jwt:
    scheme: ` + scheme + `
    header: ` + header + `
    cookie: token
    issuers:
      - secret: ${env:SHOP_SECRET}
        algorithms: [HS256]
        dangerously_accept_any_audience: true
        subject_claim: [data, id]
        roles_claim: data.role
        max_age: 1h
routes:
  - {path: "/api/*", upstream: app, auth: jwt}
`
	}
	tok := hs256(t, gjwt.MapClaims{"status": "success", "data": map[string]any{"id": 22, "role": "customer"}, "iat": time.Now().Unix()})
	noIat := hs256(t, gjwt.MapClaims{"data": map[string]any{"id": 22}})
	tests := []struct {
		name, scheme, header, forward string
		hdr                           map[string]string
		want                          int
		challenge                     string
		upstream                      map[string]string
	}{
		{name: "raw token in Authorization, forwarded as sent", scheme: "none", header: "Authorization",
			hdr: map[string]string{"Authorization": tok}, want: 200, upstream: map[string]string{"authorization": tok, "subject": "22"}},
		{name: "raw token refused without a Bearer challenge", scheme: "none", header: "Authorization",
			hdr: map[string]string{"Authorization": noIat}, want: 401},
		{name: "no token, raw scheme: no Bearer challenge", scheme: "none", header: "Authorization", want: 401},
		{name: "raw token in its own header", scheme: "none", header: "X-Access-Token",
			hdr: map[string]string{"X-Access-Token": tok}, want: 200, upstream: map[string]string{"token": tok}},
		{name: "Bearer scheme by default", scheme: "Bearer", header: "Authorization",
			hdr: map[string]string{"Authorization": "Bearer " + tok}, want: 200, upstream: map[string]string{"authorization": "Bearer " + tok}},
		{name: "Bearer challenge", scheme: "Bearer", header: "Authorization", want: 401, challenge: `Bearer realm="rampart"`},
		{name: "bare token with the Bearer scheme", scheme: "Bearer", header: "Authorization",
			hdr: map[string]string{"Authorization": tok}, want: 401, challenge: `Bearer realm="rampart"`},
		{name: "forward_credentials: false strips the header", scheme: "none", header: "Authorization", forward: ", forward_credentials: false",
			hdr: map[string]string{"Authorization": tok}, want: 200, upstream: map[string]string{"authorization": "", "subject": "22"}},
		{name: "forward_credentials: false strips the token cookie only", scheme: "none", header: "Authorization", forward: ", forward_credentials: false",
			hdr: map[string]string{"Cookie": "language=en; token=" + tok + "; continueCode=x"}, want: 200, upstream: map[string]string{"cookie": "language=en; continueCode=x"}},
		{name: "cookie forwarded by default", scheme: "none", header: "Authorization",
			hdr: map[string]string{"Cookie": "token=" + tok}, want: 200, upstream: map[string]string{"cookie": "token=" + tok}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShop(t, conf(tt.scheme, tt.header, tt.forward))
			w := s.do("GET", "/api/basket/1", tt.hdr)
			if w.Code != tt.want {
				t.Fatalf("%d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tt.challenge {
				t.Fatalf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if tt.want != 200 {
				return
			}
			var got map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.upstream {
				if got[k] != v {
					t.Errorf("upstream %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestClientErrorPagesThroughGateway(t *testing.T) {
	s := newShop(t, `
upstreams:
  app: {url: UPSTREAM}
  kept: {url: UPSTREAM, keep_client_error_pages: true}
routes:
  - {path: "/api/*", upstream: app, auth: none}
  - {path: "/legacy/api/*", upstream: kept, auth: none}
`)
	w := s.do("GET", "/api/missing/1", map[string]string{"Authorization": "Bearer secret-token"})
	body, _ := io.ReadAll(w.Body)
	if w.Code != 404 || w.Header().Get("Content-Type") != problem.ContentType || bytes.Contains(body, []byte("secret-token")) || w.Header().Get("X-Powered-By") != "" {
		t.Fatalf("%d %q %s", w.Code, w.Header().Get("Content-Type"), body)
	}
	if w := s.do("GET", "/api/invalid", nil); w.Code != 400 || !strings.Contains(w.Body.String(), "must be a valid email") {
		t.Fatalf("JSON 400 changed: %d %s", w.Code, w.Body)
	}
	if w := s.do("GET", "/legacy/api/missing", nil); w.Code != 404 || !strings.Contains(w.Body.String(), "Cannot GET") {
		t.Fatalf("kept page changed: %d %s", w.Code, w.Body)
	}
}

// The shop's tokens: RS256 with a 1024-bit key, no exp, claims under data,
// sent bare in Authorization.
func TestShopTokensThroughGateway(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Skipf("this Go refuses to generate a 1024-bit key: %v", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	pubFile := filepath.Join(t.TempDir(), "jwt.pub")
	if err := os.WriteFile(pubFile, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	s := newShop(t, `
upstreams:
  app: {url: UPSTREAM}
auth:
  jwt:
    scheme: none
    issuers:
      - public_key_file: `+pubFile+`
        algorithms: [RS256]
        dangerously_accept_any_audience: true
        dangerously_allow_weak_rsa: true
        max_age: 6h
        subject_claim: [data, id]
        roles_claim: data.role
routes:
  - {path: "/*", methods: ["*"], upstream: app, auth: none}
  - {path: "/ftp/*", deny: true}
  - {path: "/rest/basket/{id}", upstream: app, auth: jwt, owner: {param: id, claim: data.bid}}
  - {path: "/rest/admin/*", upstream: app, auth: jwt, roles: [admin]}
`)
	now := time.Now()
	rs := func(data map[string]any, iat any) string {
		cl := gjwt.MapClaims{"status": "success", "data": data}
		if iat != nil {
			cl["iat"] = iat
		}
		tok, err := gjwt.NewWithClaims(gjwt.SigningMethodRS256, cl).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	jim := map[string]any{"id": 2, "email": "jim@juice-sh.op", "role": "customer", "bid": 2}
	admin := map[string]any{"id": 1, "email": "admin@juice-sh.op", "role": "admin", "bid": 1}
	confused, err := gjwt.NewWithClaims(gjwt.SigningMethodHS256, gjwt.MapClaims{"data": admin, "iat": now.Unix()}).SignedString(pub)
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(s string) string { return strings.TrimRight(base64URL(s), "=") }
	tests := []struct {
		name, path, token string
		want              int
		subject           string
	}{
		{"own basket, no exp", "/rest/basket/2", rs(jim, now.Unix()), 200, "2"},
		{"another basket", "/rest/basket/1", rs(jim, now.Unix()), 403, ""},
		{"customer on admin", "/rest/admin/application-configuration", rs(jim, now.Unix()), 403, ""},
		{"admin on admin", "/rest/admin/application-configuration", rs(admin, now.Unix()), 200, "1"},
		{"older than max_age", "/rest/basket/2", rs(jim, now.Add(-7*time.Hour).Unix()), 401, ""},
		{"neither exp nor iat", "/rest/basket/2", rs(jim, nil), 401, ""},
		{"public key as HS256 secret", "/rest/admin/x", confused, 401, ""},
		{"alg none", "/rest/admin/x", b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(fmt.Sprintf(`{"data":{"id":1,"role":"admin"},"iat":%d}`, now.Unix())) + ".", 401, ""},
		{"Bearer prefix on a bare-token API", "/rest/basket/2", "Bearer " + rs(jim, now.Unix()), 401, ""},
		{"denied subtree even with a token", "/ftp/coupons_2013.md.bak", rs(admin, now.Unix()), 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := s.do("GET", tt.path, map[string]string{"Authorization": tt.token})
			if w.Code != tt.want {
				t.Fatalf("%d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if c := w.Header().Get("WWW-Authenticate"); c != "" {
				t.Fatalf("bare-token API challenges %q", c)
			}
			if tt.want != 200 {
				return
			}
			var got map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got["subject"] != tt.subject || got["authorization"] != tt.token {
				t.Fatalf("upstream saw subject %q, authorization %q", got["subject"], got["authorization"])
			}
		})
	}
}

func base64URL(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
