package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/console"
	"github.com/rampart-api/rampart/internal/testproc"
)

// TestServeStartsAdminListener runs serve with admin.listen and a token:
// the admin endpoints answer with the token only, /metrics carries the
// build information, and a stop closes the admin listener too.
func TestServeStartsAdminListener(t *testing.T) {
	t.Setenv("RAMPART_TEST_ADMIN_TOKEN", "0123456789abcdef-admin")
	adminAddr := fmt.Sprintf("127.0.0.1:%d", testproc.FreePort(t))
	dir := t.TempDir()
	path := filepath.Join(dir, "rampart.yaml")
	doc := fmt.Sprintf(`server: {listen: "127.0.0.1:0"}
upstreams: {app: {url: "http://127.0.0.1:9"}}
log: {access: "off", events: "off", server: "off"}
admin: {listen: %q, token: "${env:RAMPART_TEST_ADMIN_TOKEN}"}
routes: [{path: /a, upstream: app, auth: none}]
`, adminAddr)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stop := startServe(t, path)
	client := &http.Client{Timeout: 10 * time.Second}
	fetch := func(p, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+adminAddr+p, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if status, _ := fetch("/metrics", ""); status != 401 {
		t.Fatalf("/metrics without the token: %d", status)
	}
	if status, _ := fetch("/healthz", ""); status != 200 {
		t.Fatalf("/healthz without the token: %d", status)
	}
	if status, _ := fetch("/readyz", "0123456789abcdef-admin"); status != 200 {
		t.Fatalf("/readyz: %d", status)
	}
	if status, body := fetch("/metrics", "0123456789abcdef-admin"); status != 200 || !strings.Contains(body, "rampart_build_info{") || !strings.Contains(body, "go_version=") {
		t.Fatalf("/metrics: %d\n%s", status, body)
	}
	// The console is on by default: the page and its assets load without
	// the token, with the console's CSP; its data needs the token and
	// carries the admin listener's readiness.
	for _, tc := range []struct {
		path, token string
		status      int
		body        string
	}{
		{"/", "", 200, "<!doctype html"},
		{"/assets/app.js", "", 200, "health-ready"},
		{"/api/summary", "", 401, ""},
		{"/events/stream", "", 401, ""},
		{"/api/summary", "0123456789abcdef-adminX", 401, ""},
		{"/assets/../api/summary", "", 401, ""},
		{"/api/summary", "0123456789abcdef-admin", 200, `"ready":"ready"`},
	} {
		status, body := fetch(tc.path, tc.token)
		if status != tc.status || !strings.Contains(strings.ToLower(body), strings.ToLower(tc.body)) {
			t.Errorf("%s (token %q): %d %.200s", tc.path, tc.token, status, body)
		}
	}
	res, err := client.Get("http://" + adminAddr + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); csp != console.CSP {
		t.Errorf("console page CSP %q", csp)
	}
	stop()
	if c, err := net.DialTimeout("tcp", adminAddr, time.Second); err == nil {
		c.Close()
		t.Fatal("admin listener still open after the stop")
	}
}
