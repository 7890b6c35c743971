package express_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/internal/testproc"
)

// startTokensApp runs server-tokens.js, the app without jsonwebtoken.
func startTokensApp(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	testproc.Require(t, err == nil, "node is not installed")
	_, err = os.Stat("node_modules/express")
	testproc.Require(t, err == nil, "node_modules missing: run npm ci in examples/express")
	port := testproc.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "server-tokens.js")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "NODE_ENV=production")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("node output:\n%s", logs.String())
		}
	})
	u := fmt.Sprintf("http://127.0.0.1:%d", port)
	testproc.WaitHTTP(t, u+"/api/users/999", http.StatusNotFound, 15*time.Second, nil, nil)
	return u
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
}

func form(t *testing.T, base, path, bearer string, v url.Values) (*http.Response, tokenPair) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p tokenPair
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &p)
	return res, p
}

func TestExpressWithRampartIssuedTokens(t *testing.T) {
	appURL := startTokensApp(t)
	t.Setenv("RAMPART_KEK", "express-example-key-encryption-key-0123456789")
	cfg, diags := config.Load("rampart-tokens.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	up := cfg.Upstreams["app"]
	up.URL = appURL
	cfg.Upstreams["app"] = up
	cfg.Tokens.SQLite.Path = filepath.Join(t.TempDir(), "tokens.db")
	var events bytes.Buffer
	gw, err := gateway.New(cfg, gateway.Options{Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	srv := httptest.NewServer(gw)
	defer srv.Close()
	via := client{t, srv.URL}

	// Log in: the app said "right password", Rampart answers with tokens.
	res, body := via.do("POST", "/api/login", "", map[string]string{"username": "alice", "password": "alice-password"})
	var first tokenPair
	_ = json.Unmarshal(body, &first)
	if res.StatusCode != 200 || first.TokenType != "Bearer" || first.AccessToken == "" || first.RefreshToken == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	if res.Header.Get("X-Rampart-Login-Subject") != "" || strings.Contains(string(body), `"ok"`) {
		t.Fatalf("the app's login answer leaked: %v %s", res.Header, body)
	}
	if res, _ := via.do("POST", "/api/login", "", map[string]string{"username": "alice", "password": "guess"}); res.StatusCode != 401 {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	res, body = via.do("GET", "/api/protected", first.AccessToken, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"userId":1`) {
		t.Fatalf("protected: %d %s", res.StatusCode, body)
	}
	if res, _ := via.do("GET", "/api/users/2", first.AccessToken, nil); res.StatusCode != 403 {
		t.Fatalf("another user's object: %d", res.StatusCode)
	}
	if res, _ := via.do("GET", "/admin/data", first.AccessToken, nil); res.StatusCode != 403 {
		t.Fatalf("admin route as a user: %d", res.StatusCode)
	}

	// Refresh: a new pair, the old refresh token retired.
	res, second := form(t, srv.URL, "/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}})
	if res.StatusCode != 200 || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh: %d %+v", res.StatusCode, second)
	}
	// Replaying the retired token revokes the family: the stolen copy and
	// the legitimate successor are both dead.
	if res, p := form(t, srv.URL, "/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}); res.StatusCode != 400 || p.Error != "invalid_grant" {
		t.Fatalf("reuse: %d %+v", res.StatusCode, p)
	}
	if !strings.Contains(events.String(), `"event":"token.reuse_detected"`) {
		t.Fatalf("no reuse event in %s", events.String())
	}
	if res, _ := form(t, srv.URL, "/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.RefreshToken}}); res.StatusCode != 400 {
		t.Fatalf("successor after reuse: %d", res.StatusCode)
	}
	if res, _ := via.do("GET", "/api/protected", second.AccessToken, nil); res.StatusCode != 401 {
		t.Fatalf("access token of the revoked family: %d", res.StatusCode)
	}

	// Log in again, log out: the old access token is refused at once.
	_, body = via.do("POST", "/api/login", "", map[string]string{"username": "carol", "password": "carol-password"})
	var third tokenPair
	_ = json.Unmarshal(body, &third)
	if res, _ := via.do("GET", "/admin/data", third.AccessToken, nil); res.StatusCode != 200 {
		t.Fatalf("admin: %d", res.StatusCode)
	}
	if res, _ := form(t, srv.URL, "/api/logout", third.AccessToken, url.Values{"refresh_token": {third.RefreshToken}}); res.StatusCode != 204 {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if res, _ := via.do("GET", "/admin/data", third.AccessToken, nil); res.StatusCode != 401 {
		t.Fatalf("access token after logout: %d", res.StatusCode)
	}
	if res, _ := form(t, srv.URL, "/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {third.RefreshToken}}); res.StatusCode != 400 {
		t.Fatalf("refresh token after logout: %d", res.StatusCode)
	}
}
