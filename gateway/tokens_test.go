package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/internal/pgtest"
)

// loginApp is an app that keeps only "is this password right?": its
// login handler names the user in X-Rampart-Login-* headers.
func loginApp() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/login":
			var body struct{ Email, Password string }
			_ = json.NewDecoder(r.Body).Decode(&body)
			if body.Password != "s3cret" {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":"Invalid credentials"}`)
				return
			}
			w.Header().Set("X-Rampart-Login-Subject", "user-"+body.Email)
			w.Header().Set("X-Rampart-Login-Roles", "user")
			fmt.Fprint(w, `{"ok":true}`)
		default:
			fmt.Fprintf(w, `{"user":%q}`, r.Header.Get("X-Auth-Subject"))
		}
	})
}

const tokensConfig = `
upstreams:
  app: {url: %s}
auth:
  identity_headers: {subject: X-Auth-Subject}
tokens:
  issuer: https://api.example.test
  audience: notes-api
  key_encryption_key: ${env:KEK}
  logout_path: /api/logout
  login: {path: /api/login}
%s
routes:
  - {path: /api/login, methods: [POST], upstream: app, auth: none}
  - {path: /api/me, methods: [GET], upstream: app, auth: jwt}
`

type tokenGateway struct {
	gw     *gateway.Gateway
	events *bytes.Buffer
}

func newTokenGateway(t *testing.T, upstream, store string, extra ...string) *tokenGateway {
	t.Helper()
	file := filepath.Join(t.TempDir(), "rampart.yaml")
	env := map[string]string{"KEK": "kek-for-tests-0123456789abcdef0123456789", "PG": store}
	storeBlock := ""
	if store == cookiesOn {
		storeBlock = "  cookies: true"
	}
	if strings.HasPrefix(store, "postgres://") {
		storeBlock = "  store: postgres\n  postgres: {url: \"${env:PG}\"}"
	}
	cfg, diags := config.Parse([]byte(fmt.Sprintf(tokensConfig, upstream, storeBlock)+strings.Join(extra, "")), file, config.Options{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if err := gateway.Check(cfg); err != nil {
		t.Fatalf("check: %v", err)
	}
	tg := &tokenGateway{events: &bytes.Buffer{}}
	gw, err := gateway.New(cfg, gateway.Options{Events: audit.NewLogger(slog.NewJSONHandler(tg.events, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	tg.gw = gw
	return tg
}

func (g *tokenGateway) do(method, path, ctype, body, bearer string) (*httptest.ResponseRecorder, map[string]any) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.7:5555"
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	w := httptest.NewRecorder()
	g.gw.ServeHTTP(w, r)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return w, m
}

const formType = "application/x-www-form-urlencoded"

// cookiesOn, given to newTokenGateway as the store, turns tokens.cookies on.
const cookiesOn = "cookies"

func (g *tokenGateway) login(t *testing.T) map[string]any {
	t.Helper()
	w, body := g.do("POST", "/api/login", "application/json", `{"email":"ann@example.com","password":"s3cret"}`, "")
	if w.Code != 200 || body["access_token"] == nil {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	return body
}

func (g *tokenGateway) refresh(rt string) (*httptest.ResponseRecorder, map[string]any) {
	return g.do("POST", "/oauth/token", formType, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode(), "")
}

func TestTokenServiceThroughTheGateway(t *testing.T) {
	app := httptest.NewServer(loginApp())
	t.Cleanup(app.Close)
	g := newTokenGateway(t, app.URL, "")

	w, body := g.do("POST", "/api/login", "application/json", `{"email":"ann@example.com","password":"wrong"}`, "")
	if w.Code != 401 || body["error"] != "Invalid credentials" {
		t.Fatalf("wrong password: %d %s", w.Code, w.Body)
	}
	first := g.login(t)
	if w, body := g.do("GET", "/api/me", "", "", first["access_token"].(string)); w.Code != 200 || body["user"] != "user-ann@example.com" {
		t.Fatalf("me: %d %s", w.Code, w.Body)
	}
	w, second := g.refresh(first["refresh_token"].(string))
	if w.Code != 200 || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("refresh: %d %s %v", w.Code, w.Body, w.Header())
	}
	// Reuse of the retired token kills the family.
	if w, body := g.refresh(first["refresh_token"].(string)); w.Code != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(g.events.String(), "token.reuse_detected") {
		t.Fatalf("no reuse event: %s", g.events)
	}
	for _, tok := range []any{first["access_token"], second["access_token"]} {
		if w, _ := g.do("GET", "/api/me", "", "", tok.(string)); w.Code != 401 {
			t.Fatalf("access token of a revoked family: %d", w.Code)
		}
	}
	// Log in again and log out: the access token is refused at once.
	third := g.login(t)
	if w, _ := g.do("POST", "/api/logout", formType, url.Values{"refresh_token": {third["refresh_token"].(string)}}.Encode(), third["access_token"].(string)); w.Code != 204 {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	if w, _ := g.do("GET", "/api/me", "", "", third["access_token"].(string)); w.Code != 401 {
		t.Fatalf("access token after logout: %d", w.Code)
	}
	if w, _ := g.refresh(third["refresh_token"].(string)); w.Code != 400 {
		t.Fatalf("refresh after logout: %d", w.Code)
	}
	if w, body := g.do("GET", "/.well-known/openid-configuration", "", "", ""); w.Code != 200 || body["token_endpoint"] != "https://api.example.test/oauth/token" {
		t.Fatalf("discovery: %d %s", w.Code, w.Body)
	}
	if w, _ := g.do("GET", "/.well-known/jwks.json", "", "", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"ES256"`) {
		t.Fatalf("jwks: %d %s", w.Code, w.Body)
	}
	r := httptest.NewRequest("POST", "/oauth%2ftoken", strings.NewReader("grant_type=refresh_token&refresh_token=x"))
	r.Header.Set("Content-Type", formType)
	w = httptest.NewRecorder()
	g.gw.ServeHTTP(w, r)
	if w.Code != 400 || strings.Contains(w.Body.String(), "invalid_grant") {
		t.Fatalf("an escaped spelling of the token path: %d %s", w.Code, w.Body)
	}
	if strings.Contains(g.events.String(), first["refresh_token"].(string)) {
		t.Fatal("a refresh token reached the events")
	}
}

func TestTokenRevocationReachesASecondGatewayOnPostgres(t *testing.T) {
	u := pgtest.Schema(t)
	app := httptest.NewServer(loginApp())
	t.Cleanup(app.Close)
	a, b := newTokenGateway(t, app.URL, u), newTokenGateway(t, app.URL, u)
	pair := a.login(t)
	tok := pair["access_token"].(string)
	if w, _ := b.do("GET", "/api/me", "", "", tok); w.Code != 200 {
		t.Fatalf("gateway B refuses gateway A's token: %d %s", w.Code, w.Body)
	}
	if w, _ := a.do("POST", "/oauth/revoke", formType, url.Values{"token": {tok}}.Encode(), ""); w.Code != 200 {
		t.Fatalf("revoke: %d", w.Code)
	}
	start := time.Now()
	for {
		w, _ := b.do("GET", "/api/me", "", "", tok)
		if w.Code == 401 {
			break
		}
		// The target is 1s; the bound is generous for a loaded machine.
		if time.Since(start) > 10*time.Second {
			t.Fatal("gateway B still accepts the revoked token after 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("revocation seen by the second gateway after %s", time.Since(start))
	// A refresh token rotated on B is known to A.
	w, next := b.refresh(pair["refresh_token"].(string))
	if w.Code != 200 {
		t.Fatalf("refresh on B: %d %s", w.Code, w.Body)
	}
	if w, _ := a.do("GET", "/api/me", "", "", next["access_token"].(string)); w.Code != 200 {
		t.Fatalf("A refuses B's token: %d", w.Code)
	}
}

func TestTokenEndpointsAreRateLimitedLikeRoutes(t *testing.T) {
	app := httptest.NewServer(loginApp())
	t.Cleanup(app.Close)
	g := newTokenGateway(t, app.URL, "", "rate_limits:\n  default: [{key: ip, limit: 3, window: 1m}]\n")
	codes := []int{}
	for range 4 {
		w, _ := g.refresh("unknown")
		codes = append(codes, w.Code)
	}
	if fmt.Sprint(codes) != "[400 400 400 429]" {
		t.Fatalf("statuses %v, want three invalid_grant then 429", codes)
	}
}

func TestRefreshCookieNeverReachesTheUpstream(t *testing.T) {
	seen := make(chan string, 8)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Cookie")
		loginApp().ServeHTTP(w, r)
	}))
	t.Cleanup(app.Close)
	g := newTokenGateway(t, app.URL, cookiesOn)
	pair := g.login(t)
	<-seen
	r := httptest.NewRequest("GET", "/api/me", nil)
	r.AddCookie(&http.Cookie{Name: "rampart_access", Value: pair["access_token"].(string)})
	r.AddCookie(&http.Cookie{Name: "theme", Value: "dark"})
	r.AddCookie(&http.Cookie{Name: "rampart_refresh", Value: pair["refresh_token"].(string)})
	w := httptest.NewRecorder()
	g.gw.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("cookie-authenticated request: %d %s", w.Code, w.Body)
	}
	got := <-seen
	if strings.Contains(got, "rampart_refresh") || !strings.Contains(got, "theme=dark") {
		t.Fatalf("upstream saw cookies %q", got)
	}
}
