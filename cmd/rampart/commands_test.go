package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

func execute(args ...string) (int, string) {
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.Execute()
	code := 0
	if err != nil {
		code = 2
		if ee, ok := err.(*exitError); ok {
			code = ee.Code
		}
		fmt.Fprintln(&out, err)
	}
	return code, out.String()
}

func TestCheckExitCodes(t *testing.T) {
	tests := []struct {
		file string
		code int
		want []string
	}{
		{"../../config/testdata/broken.yaml", 2, []string{`server.colour: unknown field "colour"`, "unknown upstream", "13 error(s), 2 warning(s)"}},
		{"../../config/testdata/valid.yaml", 0, []string{"ok, 0 warning(s)"}},
		{"../../examples/demo/rampart.yaml", 0, []string{"ok, 0 warning(s)"}},
		{"does-not-exist.yaml", 2, []string{"reading config"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			code, out := execute("check", "--config", tt.file)
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestServeRefusesBrokenConfig(t *testing.T) {
	code, out := execute("serve", "--config", "../../config/testdata/broken.yaml")
	if code != 2 || !strings.Contains(out, "server.listen") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// TestServeAndReload runs the real serve loop: it answers, a SIGHUP with a
// broken file keeps the running configuration, a SIGHUP with a good file
// swaps it in.
func TestServeAndReload(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.URL.Path) }))
	defer up.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "rampart.yaml")
	write := func(route string) {
		cfg := fmt.Sprintf("server: {listen: \"127.0.0.1:0\"}\nupstreams: {app: {url: %q}}\nlog: {access: \"off\", events: \"off\", server: \"off\"}\nroutes:\n  - {path: %q, upstream: app, auth: none}\n", up.URL, route)
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("/one")
	a, stop := startServe(t, path)
	addr := a.String()
	status := func(p string) int {
		res, err := http.Get("http://" + addr + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	waitFor := func(p string, want int) {
		t.Helper()
		for i := 0; i < 100; i++ {
			if status(p) == want {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s never answered %d", p, want)
	}
	if status("/one") != 200 || status("/two") != 404 {
		t.Fatal("initial config not served")
	}
	if err := os.WriteFile(path, []byte("server: [broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGHUP)
	time.Sleep(100 * time.Millisecond)
	if status("/one") != 200 {
		t.Fatal("broken reload replaced the running config")
	}
	write("/two")
	_ = syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor("/two", 200)
	if status("/one") != 404 {
		t.Fatal("old route still served")
	}
	stop()
}

func TestTokenRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if code, out := execute("token", "keygen", "--alg", "ES256", "--out", dir); code != 0 {
		t.Fatalf("keygen: %d %s", code, out)
	}
	if code, _ := execute("token", "keygen", "--out", dir); code != 2 {
		t.Fatal("keygen overwrote existing keys")
	}
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs([]string{"token", "mint", "--key", filepath.Join(dir, "private.pem"), "--sub", "alice", "--role", "user", "--aud", "api", "--iss", "https://id.example/", "--ttl", "5m"})
	root.SetOut(&out)
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	code, text := execute("token", "inspect", tok)
	if code != 0 || !strings.Contains(text, "NOT VERIFIED") || !strings.Contains(text, "alice") {
		t.Fatalf("inspect without keys: %d\n%s", code, text)
	}
	code, text = execute("token", "inspect", "--jwks", filepath.Join(dir, "jwks.json"), tok)
	if code != 0 || strings.Contains(text, "NOT VERIFIED") {
		t.Fatalf("inspect with keys: %d\n%s", code, text)
	}
	other, _ := devtoken.Keygen("ES256")
	forged, _ := devtoken.Mint(devtoken.MintConfig{Key: other, Subject: "alice", Audience: []string{"api"}, Issuer: "https://id.example/"})
	if code, text = execute("token", "inspect", "--jwks", filepath.Join(dir, "jwks.json"), forged); code != 1 {
		t.Fatalf("forged token verified: %d\n%s", code, text)
	}
	if code, text = execute("token", "apikey"); code != 0 || !strings.Contains(text, "hash: sha256:") {
		t.Fatalf("apikey: %d %s", code, text)
	}
}

// rampart check and rampart serve must accept and refuse the same files:
// check compiles the gateway offline, serve compiles it for real (here
// without binding). Every config in the repository's test data is tried.
func TestCheckAndServeAgree(t *testing.T) {
	t.Setenv("JWT_SECRET", "a-secret-of-at-least-thirty-two-bytes-for-hs256")
	var files []string
	for _, pattern := range []string{"../../config/testdata/*.yaml", "../../config/testdata/*/*.yaml", "../../examples/*/rampart.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	accepted, refused := 0, 0
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			code, out := execute("check", "--config", f)
			checkOK := code == 0
			serveOK := false
			cfg, diags := config.Load(f)
			if !diags.HasErrors() {
				g, err := gateway.New(cfg, gateway.Options{})
				if err == nil {
					serveOK = true
					_ = g.Close()
				} else {
					t.Logf("serve: %v", err)
				}
			}
			if checkOK != serveOK {
				t.Fatalf("check ok = %v, serve ok = %v:\n%s", checkOK, serveOK, out)
			}
			if checkOK {
				accepted++
			} else {
				refused++
			}
		})
	}
	if accepted < 3 || refused < 5 {
		t.Fatalf("test data too thin: %d accepted, %d refused", accepted, refused)
	}
}
