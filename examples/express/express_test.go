package express_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/internal/testproc"
)

const secret = "express-example-secret-from-process-env-48-bytes"

// need skips when a tool is missing locally; in CI it is a failure.
// startApp runs server.js with node on a free port and waits until it
// answers.
func startApp(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	testproc.Require(t, err == nil, "node is not installed")
	_, err = os.Stat("node_modules/express")
	testproc.Require(t, err == nil, "node_modules missing: run npm ci in examples/express")

	port := testproc.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "server.js")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "JWT_SECRET="+secret, "NODE_ENV=production")
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
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	testproc.WaitHTTP(t, url+"/api/protected", http.StatusUnauthorized, 15*time.Second, nil, nil)
	return url
}

type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, token string, body any) (*http.Response, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func (c client) login(user, password string) (int, string) {
	c.t.Helper()
	res, b := c.do("POST", "/api/login", "", map[string]string{"username": user, "password": password})
	var out struct{ Token string }
	_ = json.Unmarshal(b, &out)
	return res.StatusCode, out.Token
}

func sign(t *testing.T, key string, claims gjwt.MapClaims) string {
	t.Helper()
	s, err := gjwt.NewWithClaims(gjwt.SigningMethodHS256, claims).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestExpressBehindRampart(t *testing.T) {
	appURL := startApp(t)
	t.Setenv("JWT_SECRET", secret)
	cfg, diags := config.Load("rampart.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	up := cfg.Upstreams["app"]
	up.URL = appURL
	cfg.Upstreams["app"] = up
	var events bytes.Buffer
	gw, err := gateway.New(cfg, gateway.Options{Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	srv := httptest.NewServer(gw)
	defer srv.Close()
	via, direct := client{t, srv.URL}, client{t, appURL}

	code, alice := via.login("alice", "alice-password")
	if code != 200 || alice == "" {
		t.Fatalf("login through the gateway: %d", code)
	}
	_, carol := via.login("carol", "carol-password")

	// The app's own token, verified unchanged: HS256, numeric userId, no
	// iss or aud; helmet's headers added, the banner gone.
	res, body := via.do("GET", "/api/protected", alice, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"userId":1`) {
		t.Fatalf("protected: %d %s", res.StatusCode, body)
	}
	for h, want := range map[string]string{
		"Content-Security-Policy":   "default-src 'self'",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "SAMEORIGIN",
		"Strict-Transport-Security": "max-age=",
		"Referrer-Policy":           "no-referrer",
	} {
		if !strings.Contains(res.Header.Get(h), want) {
			t.Errorf("%s = %q, want %q", h, res.Header.Get(h), want)
		}
	}
	if res.Header.Get("X-Powered-By") != "" {
		t.Error("X-Powered-By reaches clients")
	}
	if dres, _ := direct.do("GET", "/api/protected", alice, nil); dres.Header.Get("X-Powered-By") == "" || dres.Header.Get("Content-Security-Policy") != "" {
		t.Fatal("the app itself already sends helmet's headers; the comparison proves nothing")
	}

	b64 := base64.RawURLEncoding.EncodeToString
	now := time.Now().Unix()
	tests := []struct {
		name, method, path, token string
		want                      int
	}{
		{"alg none forged as admin", "GET", "/admin/data", b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64([]byte(fmt.Sprintf(`{"userId":3,"role":"admin","iat":%d,"exp":%d}`, now, now+3600))) + ".", 401},
		{"HS256 signed with another secret", "GET", "/api/protected", sign(t, "another-secret-another-secret-another-secret", gjwt.MapClaims{"userId": 1, "role": "user", "iat": now, "exp": now + 3600}), 401},
		{"the right secret but no exp", "GET", "/api/protected", sign(t, secret, gjwt.MapClaims{"userId": 1, "role": "user", "iat": now}), 401},
		{"expired", "GET", "/api/protected", sign(t, secret, gjwt.MapClaims{"userId": 1, "role": "user", "iat": now - 7200, "exp": now - 3600}), 401},
		{"no token", "GET", "/api/protected", "", 401},
		{"user on admin data", "GET", "/admin/data", alice, 403},
		{"admin on admin data", "GET", "/admin/data", carol, 200},
		{"user 1 reads user 1", "GET", "/api/users/1", alice, 200},
		{"user 1 reads user 2", "GET", "/api/users/2", alice, 403},
		{"admin reads user 2", "GET", "/api/users/2", carol, 200},
		{"a path the API never routed", "GET", "/api/users", alice, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := via.do(tt.method, tt.path, tt.token, nil)
			if res.StatusCode != tt.want {
				t.Fatalf("%d, want %d: %s", res.StatusCode, tt.want, body)
			}
			if tt.want >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("not a problem: %q %s", res.Header.Get("Content-Type"), body)
			}
		})
	}
	// What the gateway closes: the app alone lets user 1 read user 2.
	if res, _ := direct.do("GET", "/api/users/2", alice, nil); res.StatusCode != 200 {
		t.Fatalf("the app refuses BOLA by itself (%d); the comparison proves nothing", res.StatusCode)
	}

	// Brute force: five wrong passwords lock alice out, even with the
	// right one; the upstream's own answers are 401s until then.
	events.Reset()
	for i := range 5 {
		if code, _ := via.login("alice", fmt.Sprintf("guess-%d", i)); code != 401 {
			t.Fatalf("wrong password %d: %d", i, code)
		}
	}
	if code, tok := via.login("alice", "alice-password"); code != 429 || tok != "" {
		t.Fatalf("locked-out login: %d", code)
	}
	if !strings.Contains(events.String(), `"event":"bruteforce.locked"`) {
		t.Fatalf("no lockout event: %s", events.String())
	}
	// Rate limit: 10 logins per IP per 15 minutes, whatever the username.
	limited := false
	for i := range 10 {
		events.Reset()
		code, _ := via.login(fmt.Sprintf("user%d", i), "x")
		if code == 429 && strings.Contains(events.String(), `"event":"ratelimit.exceeded"`) {
			limited = true
			break
		}
		if code != 401 {
			t.Fatalf("login %d: %d", i, code)
		}
	}
	if !limited {
		t.Fatal("logins were never rate-limited")
	}
}
