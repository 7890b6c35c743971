package gateway_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

const carryYAML = `
upstreams:
  app: {url: %[1]s}
rate_limits:
  default: [{key: ip, limit: 3, window: 1h}]
routes:
  - path: /login
    methods: [POST]
    upstream: app
    auth: none
    rate_limit: []
    brute_force: {username_field: username, max_failures: 3, window: 1h, lockout: 1h}
  - {path: /api, upstream: app, auth: none}
`

// TestStateSurvivesReload reloads an unchanged file and checks that a
// locked-out user stays locked out and a spent hourly quota stays spent;
// then changes the brute-force settings, which starts lockouts afresh
// while the unchanged quota still holds; then changes the quota.
func TestStateSurvivesReload(t *testing.T) {
	up := &loginUpstream{}
	upSrv := httptest.NewServer(up)
	t.Cleanup(upSrv.Close)
	load := func(yaml string) *config.Config { return loadLimits(t, yaml, upSrv.URL, "") }
	srv, err := gateway.NewServer(load(carryYAML), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Gateway().Close() })
	h := srv.Handler()
	do := func(method, target, body string) int {
		var r *http.Request
		if body != "" {
			r = httptest.NewRequest(method, target, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
		} else {
			r = httptest.NewRequest(method, target, nil)
		}
		r.RemoteAddr = "198.51.100.9:4000"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	// A probe with a wrong password: a right one would clear the count.
	locked := func() bool { return do("POST", "/login", loginBody("alice", "wrong")) == http.StatusTooManyRequests }
	quotaSpent := func() bool { return do("GET", "/api", "") == http.StatusTooManyRequests }

	for i := 0; !locked(); i++ {
		if i == 10 {
			t.Fatal("alice never locked out")
		}
	}
	for i := 0; !quotaSpent(); i++ {
		if i == 10 {
			t.Fatal("quota never spent")
		}
	}

	for i := range 3 {
		if err := srv.Reload(load(carryYAML)); err != nil {
			t.Fatal(err)
		}
		if !locked() {
			t.Fatalf("reload %d of an unchanged file lifted the lockout", i+1)
		}
		if !quotaSpent() {
			t.Fatalf("reload %d of an unchanged file reset the quota", i+1)
		}
	}

	bfChanged := strings.Replace(carryYAML, "max_failures: 3", "max_failures: 4", 1)
	if err := srv.Reload(load(bfChanged)); err != nil {
		t.Fatal(err)
	}
	if locked() {
		t.Fatal("changed brute-force settings kept the old lockout")
	}
	if !quotaSpent() {
		t.Fatal("a brute-force change reset the unchanged quota")
	}

	quotaChanged := strings.Replace(bfChanged, "limit: 3,", "limit: 4,", 1)
	if err := srv.Reload(load(quotaChanged)); err != nil {
		t.Fatal(err)
	}
	if quotaSpent() {
		t.Fatal("a changed quota kept the old count")
	}
}

// TestKeysSurviveReload reloads a configuration whose issuer publishes its
// keys at a URL: an unchanged file keeps the fetched key set (no new
// fetch) and the verifier; a changed issuer setting fetches afresh.
func TestKeysSurviveReload(t *testing.T) {
	k, err := devtoken.Keygen("ES256")
	if err != nil {
		t.Fatal(err)
	}
	var jwks bytes.Buffer
	if err := k.WriteJWKS(&jwks); err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int64
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks.Bytes())
	}))
	t.Cleanup(idp.Close)
	const yaml = `
upstreams:
  app: {url: "http://upstream.test"}
auth:
  jwt:
    issuers:
      - {issuer: "https://id.example/", audience: [AUD], algorithms: [ES256], jwks_url: "%[1]s/jwks.json"}
routes:
  - {path: /api, upstream: app, auth: jwt}
`
	load := func(aud string) *config.Config {
		return loadLimits(t, strings.Replace(yaml, "AUD", aud, 1), idp.URL, "")
	}
	srv, err := gateway.NewServer(load("api"), gateway.Options{Transport: cannedTransport{body: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Gateway().Close() })
	tok, err := devtoken.Mint(devtoken.MintConfig{Key: k, Subject: "alice", Audience: []string{"api"}, Issuer: "https://id.example/"})
	if err != nil {
		t.Fatal(err)
	}
	status := func() int {
		r := httptest.NewRequest("GET", "/api", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		return w.Code
	}
	if status() != 200 || fetches.Load() != 1 {
		t.Fatalf("start: status %d after %d fetches", status(), fetches.Load())
	}
	for range 3 {
		if err := srv.Reload(load("api")); err != nil {
			t.Fatal(err)
		}
		if got := status(); got != 200 {
			t.Fatalf("after an unchanged reload: %d", got)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("unchanged reloads fetched the key set again: %d fetches", n)
	}
	if err := srv.Reload(load("api2")); err != nil {
		t.Fatal(err)
	}
	if n := fetches.Load(); n != 2 {
		t.Fatalf("a changed issuer kept the old verifier: %d fetches", n)
	}
	if got := status(); got != 401 {
		t.Fatalf("token for the old audience after the change: %d", got)
	}
}
