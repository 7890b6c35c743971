package tokens_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/tokens"
)

func TestRefreshRotationAndReuseDetection(t *testing.T) {
	var events bytes.Buffer
	cfg := baseConfig(sqliteStore(t))
	cfg.Events = audit.NewLogger(slog.NewJSONHandler(&events, nil))
	s := newService(t, cfg)
	v := verifier(t, s, nil)
	ctx := context.Background()

	first, err := s.Issue(ctx, tokens.Identity{Subject: "alice", Roles: []string{"user"}, Scopes: []string{"orders:read"}, Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.RefreshToken) < 43 {
		t.Fatalf("refresh token of %d characters: under 256 bits", len(first.RefreshToken))
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+first.AccessToken)
	p, err := v.Authenticate(r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "alice" || p.Tenant != "acme" || len(p.Roles) != 1 || p.Roles[0] != "user" || len(p.Scopes) != 1 {
		t.Fatalf("principal %+v", p)
	}

	w, body := post(t, s, "/oauth/token", refreshForm(first.RefreshToken))
	if w.Code != 200 || body["token_type"] != "Bearer" || body["refresh_token"] == first.RefreshToken || body["expires_in"].(float64) != 900 {
		t.Fatalf("refresh: %d %v", w.Code, body)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	second := body
	if err := verify(v, second["access_token"].(string)); err != nil {
		t.Fatalf("the new access token: %v", err)
	}

	// The retired token again: the thief (or the victim) replays it.
	w, body = post(t, s, "/oauth/token", refreshForm(first.RefreshToken))
	if w.Code != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", w.Code, body)
	}
	if !strings.Contains(events.String(), `"event":"token.reuse_detected"`) || !strings.Contains(events.String(), `"subject":"alice"`) {
		t.Fatalf("events: %s", events.String())
	}
	if strings.Contains(events.String(), first.RefreshToken) || strings.Contains(events.String(), first.AccessToken) {
		t.Fatal("a token reached the event log")
	}
	// The whole family is gone: the newest refresh token and every access
	// token it produced.
	w, body = post(t, s, "/oauth/token", refreshForm(second["refresh_token"].(string)))
	if w.Code != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("successor after reuse: %d %v", w.Code, body)
	}
	for _, tok := range []string{first.AccessToken, second["access_token"].(string)} {
		if err := verify(v, tok); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("access token of the revoked family: %v", err)
		}
	}
}

func TestRefreshScopeNarrowing(t *testing.T) {
	s := newService(t, baseConfig(sqliteStore(t)))
	first, err := s.Issue(context.Background(), tokens.Identity{Subject: "bob", Scopes: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	form := refreshForm(first.RefreshToken)
	form.Set("scope", "a c")
	if w, body := post(t, s, "/oauth/token", form); w.Code != 400 || body["error"] != "invalid_scope" {
		t.Fatalf("wider scope: %d %v", w.Code, body)
	}
	form.Set("scope", "a")
	w, body := post(t, s, "/oauth/token", form)
	if w.Code != 200 || body["scope"] != "a" {
		t.Fatalf("narrower scope after a refused wider one: %d %v", w.Code, body)
	}
}

func TestRevocationEndpoint(t *testing.T) {
	s := newService(t, baseConfig(sqliteStore(t)))
	v := verifier(t, s, nil)
	ctx := context.Background()
	pair, _ := s.Issue(ctx, tokens.Identity{Subject: "carol"})
	if err := verify(v, pair.AccessToken); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"not-a-token", "a.b.c", strings.Repeat("x", 5000), pair.AccessToken, pair.AccessToken} {
		w, _ := post(t, s, "/oauth/revoke", map[string][]string{"token": {tok}})
		if w.Code != 200 {
			t.Fatalf("revoke %.10q: %d, want 200 whatever the token", tok, w.Code)
		}
	}
	if err := verify(v, pair.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("revoked access token: %v", err)
	}
	if w, _ := post(t, s, "/oauth/revoke", map[string][]string{"token": {pair.RefreshToken}, "token_type_hint": {"refresh_token"}}); w.Code != 200 {
		t.Fatal(w.Code)
	}
	if w, body := post(t, s, "/oauth/token", refreshForm(pair.RefreshToken)); w.Code != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("revoked refresh token: %d %v", w.Code, body)
	}
	if w, body := post(t, s, "/oauth/revoke", map[string][]string{"token": {"x"}, "token_type_hint": {"id_token"}}); w.Code != 400 || body["error"] != "unsupported_token_type" {
		t.Fatalf("hint: %d %v", w.Code, body)
	}
}

func TestLogoutRevokesBothTokensAndClearsCookies(t *testing.T) {
	cfg := baseConfig(sqliteStore(t))
	cfg.Cookies = true
	s := newService(t, cfg)
	v := verifier(t, s, nil)
	pair, _ := s.Issue(context.Background(), tokens.Identity{Subject: "dave"})
	r := httptest.NewRequest("POST", "/api/logout", nil)
	r.Header.Set("Authorization", "Bearer "+pair.AccessToken)
	r.AddCookie(&http.Cookie{Name: tokens.RefreshCookie, Value: pair.RefreshToken})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != 204 {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	cleared := 0
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 && c.HttpOnly && c.Secure && c.SameSite == http.SameSiteStrictMode {
			cleared++
		}
	}
	if cleared != 2 {
		t.Fatalf("cookies cleared: %d", cleared)
	}
	if err := verify(v, pair.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("access token after logout: %v", err)
	}
	if w, _ := post(t, s, "/oauth/token", refreshForm(pair.RefreshToken)); w.Code != 400 {
		t.Fatalf("refresh after logout: %d", w.Code)
	}
}

func TestRevokeSubject(t *testing.T) {
	s := newService(t, baseConfig(sqliteStore(t)))
	v := verifier(t, s, nil)
	ctx := context.Background()
	a, _ := s.Issue(ctx, tokens.Identity{Subject: "erin"})
	b, _ := s.Issue(ctx, tokens.Identity{Subject: "erin"})
	other, _ := s.Issue(ctx, tokens.Identity{Subject: "frank"})
	if n, err := s.RevokeSubject(ctx, "erin"); err != nil || n != 2 {
		t.Fatalf("%d %v", n, err)
	}
	for _, tok := range []string{a.AccessToken, b.AccessToken} {
		if err := verify(v, tok); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("erin's token: %v", err)
		}
	}
	if err := verify(v, other.AccessToken); err != nil {
		t.Fatalf("frank's token: %v", err)
	}
	if _, _, err := s.Refresh(ctx, b.RefreshToken); !errors.Is(err, tokens.ErrNotFound) {
		t.Fatalf("erin's refresh token: %v", err)
	}

	// The admin listener's handler.
	c, _ := s.Issue(ctx, tokens.Identity{Subject: "frank"})
	h := s.RevokeSubjectHandler()
	for _, tc := range []struct {
		method, target string
		status         int
	}{
		{"GET", "/tokens/revoke?sub=frank", 405},
		{"POST", "/tokens/revoke", 400},
		{"POST", "/tokens/revoke?sub=frank&sub=erin", 400},
		{"POST", "/tokens/revoke?sub=frank", 200},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.target, nil))
		if w.Code != tc.status {
			t.Fatalf("%s %s: %d %s", tc.method, tc.target, w.Code, w.Body)
		}
		if tc.status == 200 && strings.TrimSpace(w.Body.String()) != `{"revoked":2}` {
			t.Fatalf("body %s", w.Body)
		}
	}
	if err := verify(v, c.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("frank's token after the admin revoked him: %v", err)
	}
}

func TestDiscoveryAndJWKS(t *testing.T) {
	s := newService(t, baseConfig(sqliteStore(t)))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", tokens.DiscoveryPath, nil))
	var d map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"issuer": "https://api.example.test", "jwks_uri": "https://api.example.test/.well-known/jwks.json",
		"token_endpoint": "https://api.example.test/oauth/token", "revocation_endpoint": "https://api.example.test/oauth/revoke",
	} {
		if d[k] != want {
			t.Errorf("%s = %v, want %s", k, d[k], want)
		}
	}
	if _, ok := d["grant_types_supported"]; !ok {
		t.Error("no grant_types_supported")
	}
	if _, ok := d["token_endpoint_auth_methods_supported"]; !ok {
		t.Error("no token_endpoint_auth_methods_supported")
	}
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", tokens.JWKSPath, nil))
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks %s %v", w.Body, err)
	}
	if set.Keys[0]["alg"] != "ES256" || set.Keys[0]["d"] != nil {
		t.Fatalf("key %v", set.Keys[0])
	}
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("POST", tokens.JWKSPath, nil))
	if w.Code != 405 {
		t.Fatalf("POST jwks: %d", w.Code)
	}
}

func TestKeysSurviveRestartAndNeedTheirKEK(t *testing.T) {
	st := sqliteStore(t)
	s1 := newService(t, baseConfig(st))
	pair, _ := s1.Issue(context.Background(), tokens.Identity{Subject: "gina"})
	s1.Close()
	s2 := newService(t, baseConfig(st))
	if err := verify(verifier(t, s2, nil), pair.AccessToken); err != nil {
		t.Fatalf("a restarted service refuses its own token: %v", err)
	}
	cfg := baseConfig(st)
	cfg.KeyEncryptionKey = []byte("another-key-encryption-key-of-32-bytes!!")
	if _, err := tokens.New(context.Background(), cfg); !errors.Is(err, tokens.ErrUnseal) {
		t.Fatalf("wrong KEK: %v", err)
	}
}

func TestEdDSA(t *testing.T) {
	cfg := baseConfig(sqliteStore(t))
	cfg.Algorithm = tokens.EdDSA
	s := newService(t, cfg)
	pair, err := s.Issue(context.Background(), tokens.Identity{Subject: "hal"})
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(verifier(t, s, nil), pair.AccessToken); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidation(t *testing.T) {
	st := sqliteStore(t)
	for name, c := range map[string]struct {
		mod  func(*tokens.Config)
		want string
	}{
		"http issuer":     {func(c *tokens.Config) { c.Issuer = "http://api.example.test" }, "Issuer"},
		"loopback http":   {func(c *tokens.Config) { c.Issuer = "http://127.0.0.1:8080" }, ""},
		"no audience":     {func(c *tokens.Config) { c.Audience = "" }, "Audience"},
		"RS256":           {func(c *tokens.Config) { c.Algorithm = "RS256" }, "Algorithm"},
		"HS256":           {func(c *tokens.Config) { c.Algorithm = "HS256" }, "Algorithm"},
		"short KEK":       {func(c *tokens.Config) { c.KeyEncryptionKey = []byte("password") }, "KeyEncryptionKey"},
		"long access":     {func(c *tokens.Config) { c.AccessTTL = 48 * time.Hour }, "AccessTTL"},
		"refresh < acc":   {func(c *tokens.Config) { c.RefreshTTL = time.Minute }, "RefreshTTL"},
		"rotate too fast": {func(c *tokens.Config) { c.RotateEvery = time.Minute }, "RotateEvery"},
		"bad client hash": {func(c *tokens.Config) { c.Clients = []tokens.Client{{ID: "c", SecretHash: "sha256:abc"}} }, "SecretHash"},
		"path pattern":    {func(c *tokens.Config) { c.LogoutPath = "/api/{x}" }, "LogoutPath"},
	} {
		cfg := baseConfig(st)
		c.mod(&cfg)
		err := cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, tokens.ErrConfig)):
			t.Errorf("%s: %v, want an error naming %s", name, err, c.want)
		}
	}
}
