package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets a test run this binary as the rampart command itself, with
// the process's real standard streams: RAMPART_TEST_RUN_MAIN=1 makes it
// run main's body on its arguments instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("RAMPART_TEST_RUN_MAIN") == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// rampartProcess runs the command in a child process and returns its exit
// code, standard output and standard error.
func rampartProcess(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "RAMPART_TEST_RUN_MAIN=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatal(err)
	return 0, "", ""
}

// TestStartupFailuresAreReported runs serve and demo in a child process
// for each way startup can fail and checks that the failure is printed on
// the real stderr, located, with a non-zero exit: the access log's buffer
// once closed stderr before the error could be printed.
func TestStartupFailuresAreReported(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&weak.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "weak.pem"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	const head = "upstreams: {app: {url: \"http://127.0.0.1:9\"}}\nroutes: [{path: /a, upstream: app}]\n"
	issuer := func(key string) string {
		return head + "auth: {jwt: {issuers: [{issuer: \"https://id.example\", audience: [api], " + key + "}]}}\n"
	}
	tests := []struct {
		name   string
		config string
		env    []string
		want   []string
	}{
		{"port taken", fmt.Sprintf("server: {listen: %q}\nupstreams: {app: {url: \"http://127.0.0.1:9\"}}\nroutes: [{path: /a, upstream: app, auth: none}]\n", taken.Addr()),
			nil, []string{"rampart.yaml:1: error: server.listen:", "address already in use"}},
		{"short secret", issuer(`algorithms: [HS256], secret: "${env:RAMPART_TEST_SECRET}"`),
			[]string{"RAMPART_TEST_SECRET=short"}, []string{"rampart.yaml:3: error: auth.jwt.issuers[0].secret:", "at least 32"}},
		{"missing key file", issuer("algorithms: [RS256], public_key_file: missing.pem"),
			nil, []string{"rampart.yaml:3: error: auth.jwt.issuers[0].public_key_file:", "missing.pem"}},
		{"weak key", issuer("algorithms: [RS256], public_key_file: weak.pem"),
			nil, []string{"rampart.yaml:3: error: auth.jwt.issuers[0].public_key_file:", "1024 bits"}},
		{"unknown log file folder", "log: {access: /nonexistent-folder/access.log}\n" + head,
			nil, []string{"log.access:", "nonexistent-folder"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "rampart.yaml"), []byte(tt.config), 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := rampartProcess(t, dir, tt.env, "serve", "--config", "rampart.yaml")
			if code == 0 {
				t.Fatalf("exit 0; stderr:\n%s", stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if stdout != "" {
				t.Errorf("stdout: %q", stdout)
			}
		})
	}
	t.Run("demo port taken", func(t *testing.T) {
		code, _, stderr := rampartProcess(t, dir, nil, "demo", "--listen", taken.Addr().String(), "--api-listen", "127.0.0.1:0")
		if code == 0 || !strings.Contains(stderr, taken.Addr().String()) || !strings.Contains(stderr, "address already in use") {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr)
		}
	})
}

// TestAdminPortTaken: a taken admin port is a startup failure located at
// admin.listen.
func TestAdminPortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	doc := fmt.Sprintf("server: {listen: \"127.0.0.1:0\"}\nupstreams: {app: {url: \"http://127.0.0.1:9\"}}\nadmin: {listen: %q}\nroutes: [{path: /a, upstream: app, auth: none}]\n", taken.Addr())
	if err := os.WriteFile(filepath.Join(dir, "rampart.yaml"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := rampartProcess(t, dir, nil, "serve", "--config", "rampart.yaml")
	if code == 0 || !strings.Contains(stderr, "rampart.yaml:3: error: admin.listen:") || !strings.Contains(stderr, "address already in use") {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
}

// TestCheckRefusesOpenAdminListener: rampart check refuses an admin
// listener open to the network without a token, at its line.
func TestCheckRefusesOpenAdminListener(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rampart.yaml")
	doc := "upstreams: {app: {url: \"http://127.0.0.1:9\"}}\nroutes: [{path: /a, upstream: app, auth: none}]\nadmin:\n  listen: 0.0.0.0:9090\n  pprof: true\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := execute("check", "--config", path)
	if code != 2 || !strings.Contains(out, "rampart.yaml:4: error: admin.listen:") || !strings.Contains(out, "rampart.yaml:5: warning: admin.pprof:") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
