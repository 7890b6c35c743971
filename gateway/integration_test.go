package gateway

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// expressApp runs testdata/express-hardening/server.js on a free port and
// returns its base URL. It skips when node or the app's node_modules are
// missing, unless CI is set.
func expressApp(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("testdata", "express-hardening")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "express"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node and the Express app's node_modules are required in CI: %v", err)
		}
		t.Skipf("node or node_modules missing (run npm ci in %s): %v", dir, err)
	}
	return startApp(t, dir, node, "server.js")
}

// flaskApp runs testdata/flask-hardening/app.py with Debian's python3 and
// Flask. It skips when they are missing, unless CI is set.
func flaskApp(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import flask").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s with Flask is required in CI: %v", python, err)
		}
		t.Skipf("%s with Flask missing (apt-get install python3-flask): %v", python, err)
	}
	return startApp(t, filepath.Join("testdata", "flask-hardening"), python, "app.py")
}

// startApp starts an app that listens on 127.0.0.1:$PORT and prints a line
// starting with "listening" when it does; it is killed when the test ends.
func startApp(t *testing.T, dir, prog string, args ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "NODE_ENV=production", "PYTHONDONTWRITEBYTECODE=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && !strings.HasPrefix(line, "listening") {
			err = fmt.Errorf("unexpected output %q", line)
		}
		ready <- err
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("%s not listening after 15s", dir)
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

type appState struct {
	Users   map[string]map[string]any `json:"users"`
	Deleted []string                  `json:"deleted"`
}

func getAppState(t *testing.T, base string) appState {
	t.Helper()
	resp, err := http.Get(base + "/__state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s appState
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func resetApp(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Post(base+"/__reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
}

// changed reports how the app's state differs from its initial one, ""
// when it does not.
func (s appState) changed() string {
	alice := s.Users["alice"]
	switch {
	case alice == nil:
		return "alice deleted"
	case alice["role"] != "user":
		return fmt.Sprintf("alice's role is %v", alice["role"])
	case len(alice) != 4 || alice["name"] != "Alice":
		return fmt.Sprintf("alice is %v", alice)
	case len(s.Deleted) > 0:
		return fmt.Sprintf("deleted %v", s.Deleted)
	}
	return ""
}

// TestExpressIntegration replays the penetration test's attacks against a
// real Express 5 app: first directly, where each must change the app's
// state (or leak), then through the gateway, where none may.
func TestExpressIntegration(t *testing.T) {
	base := expressApp(t)
	const form = "application/x-www-form-urlencoded"
	attacks := []attack{
		{"capitalised media type", "PATCH", "/api/users/alice", []string{"Content-Type", "Application/Json"}, `{"role":"admin"}`},
		{"space before the parameter", "PATCH", "/api/users/alice", []string{"Content-Type", "application/json ;charset=utf-8"}, `{"role":"admin"}`},
		{"UTF-7 charset", "PATCH", "/api/users/alice", []string{"Content-Type", "application/json; charset=utf-7"}, `{"name":"x+ACIALAAi-role+ACIAOgAi-admin"}`},
		{"deflate body", "PATCH", "/api/users/alice", []string{"Content-Type", "application/json", "Content-Encoding", "deflate"}, zlibString(`{"role":"admin"}`)},
		{"undeclared form field", "PATCH", "/api/users/alice", []string{"Content-Type", form}, "name=x&role=admin"},
		{"bracket key", "PATCH", "/api/users/alice", []string{"Content-Type", form}, "user[role]=admin"},
		{"repeated field", "PATCH", "/api/users/alice", []string{"Content-Type", form}, "role=user&role=admin"},
		{"POST as DELETE by header", "POST", "/api/users/alice", []string{"Content-Type", "application/json", "X-HTTP-Method-Override", "DELETE"}, `{}`},
		{"POST as DELETE by X-HTTP-Method", "POST", "/api/users/alice", []string{"Content-Type", "application/json", "X-HTTP-Method", "DELETE"}, `{}`},
		{"POST as DELETE by query", "POST", "/api/users/alice?_method=DELETE", []string{"Content-Type", "application/json"}, `{}`},
		{"POST as DELETE by form field", "POST", "/api/users/alice", []string{"Content-Type", form}, "_method=DELETE"},
		{"POST as undocumented PUT", "POST", "/api/users/alice?_method=PUT", []string{"Content-Type", "application/json"}, `{"role":"admin"}`},
		{"POST as DELETE on a route allowing overrides", "POST", "/api/items/i1?_method=DELETE", nil, ""},
	}
	gw, events := newHardeningGateway(t, base, "refuse")
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			resetApp(t, base)
			resp, err := http.DefaultClient.Do(a.request(base))
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if getAppState(t, base).changed() == "" {
				t.Fatalf("the attack does nothing to the app itself (status %d): the test proves nothing", resp.StatusCode)
			}
			resetApp(t, base)
			events.Reset()
			w := via(gw).send(a, userKey)
			if change := getAppState(t, base).changed(); change != "" {
				t.Fatalf("through the gateway (status %d): %s", w.Code, change)
			}
			if !strings.Contains(events.String(), `"owasp":"API`) {
				t.Fatalf("no security event: %s", events.String())
			}
		})
	}
	t.Run("JSONP", func(t *testing.T) {
		resetApp(t, base)
		w := via(gw).send(attack{"JSONP", "GET", "/api/users/alice?callback=cb", nil, ""}, userKey)
		if w.Code != http.StatusBadGateway || strings.Contains(w.Body.String(), "argon2") {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		w = via(gw).send(attack{"JSON", "GET", "/api/users/alice", nil, ""}, userKey)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "argon2") || !strings.Contains(w.Body.String(), `"role":"user"`) {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		w = via(gw).send(attack{"HEAD", "HEAD", "/api/users/alice", nil, ""}, userKey)
		if w.Code != http.StatusOK {
			t.Fatalf("HEAD: status %d", w.Code)
		}
	})
	t.Run("allowed override for an admin", func(t *testing.T) {
		resetApp(t, base)
		w := via(gw).send(attack{"admin", "POST", "/api/items/i1?_method=DELETE", nil, ""}, adminKey)
		if s := getAppState(t, base); w.Code != http.StatusNoContent || len(s.Deleted) != 1 || s.Deleted[0] != "item i1" {
			t.Fatalf("status %d, deleted %v", w.Code, s.Deleted)
		}
	})
}

// via wraps a gateway in a fixture for its send method.
func via(gw *Gateway) *hardeningFixture { return &hardeningFixture{gw: gw} }

// TestFlaskIntegration replays the attacks that Flask's get_json(force=True)
// and request.values make possible against a real Flask app: first
// directly, where each must make alice an admin, then through the gateway,
// where none may.
func TestFlaskIntegration(t *testing.T) {
	base := flaskApp(t)
	const form = "application/x-www-form-urlencoded"
	attacks := []attack{
		{"JSON sent as text/plain", "PATCH", "/api/users/alice", []string{"Content-Type", "text/plain"}, `{"role":"admin"}`},
		{"JSON with a BOM sent as a form", "PATCH", "/api/users/alice", []string{"Content-Type", form}, "\xef\xbb\xbf{\"role\":\"admin\"}"},
		{"JSON under a media type the operation does not take", "POST", "/api/users/alice", []string{"Content-Type", form}, `{"role":"admin"}`},
		{"query merged into the form", "PATCH", "/api/users/alice?role=admin", []string{"Content-Type", form}, "name=x"},
		{"query merged into JSON", "POST", "/api/users/alice?role=admin", []string{"Content-Type", "application/json"}, `{"name":"x"}`},
		{"capitalised media type", "PATCH", "/api/users/alice", []string{"Content-Type", "Application/Json"}, `{"role":"admin"}`},
	}
	gw, events := newHardeningGateway(t, base, "refuse")
	role := func() any { return getAppState(t, base).Users["alice"]["role"] }
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			resetApp(t, base)
			resp, err := http.DefaultClient.Do(a.request(base))
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if r := role(); r != "admin" {
				t.Fatalf("the attack does nothing to the app itself (status %d, role %v): the test proves nothing", resp.StatusCode, r)
			}
			resetApp(t, base)
			events.Reset()
			w := via(gw).send(a, userKey)
			if r := role(); r != "user" {
				t.Fatalf("through the gateway (status %d): role %v", w.Code, r)
			}
			if w.Code < 400 || !strings.Contains(events.String(), `"owasp":"API`) {
				t.Fatalf("status %d, events %s", w.Code, events.String())
			}
		})
	}
}
