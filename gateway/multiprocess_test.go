package gateway_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-api/rampart/internal/redistest"
)

const multiProcessYAML = `
server:
  listen: 127.0.0.1:0
upstreams:
  app: {url: %[1]s}
rate_limits:
  store: redis
  redis: {url: "${env:REDIS_URL}", prefix: "%[2]s", timeout: 2s}
  on_store_error: fail_closed
routes:
  - {path: /api, methods: [GET], upstream: app, auth: none, rate_limit: [{key: ip, limit: 100, window: 1h}]}
  - path: /login
    methods: [POST]
    upstream: app
    auth: none
    rate_limit: [{key: ip, limit: 1000, window: 1h}]
    brute_force: {username_field: username, max_failures: 3, window: 15m, lockout: 1m}
log: {access: "off", events: "off"}
`

var listening = regexp.MustCompile(`"msg":"rampart listening".*"addr":"([^"]+)"`)

// TestThreeProcessesShareOneLimit runs three rampart serve processes on
// one Redis: 1,000 concurrent requests spread over them against a limit
// of 100 admit exactly 100, and a user locked out through one process is
// locked out through the others.
func TestThreeProcessesShareOneLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the rampart binary")
	}
	redisURL, prefix := redistest.Need(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	dir := t.TempDir()
	bin := filepath.Join(dir, "rampart")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/rampart-api/rampart/cmd/rampart")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building rampart: %v\n%s", err, out)
	}

	var apiHits atomic.Int64
	login := &loginUpstream{}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api" {
			apiHits.Add(1)
			fmt.Fprint(w, "ok")
			return
		}
		login.ServeHTTP(w, r)
	}))
	defer up.Close()
	cfgPath := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(multiProcessYAML, up.URL, prefix)), 0o600); err != nil {
		t.Fatal(err)
	}

	addrs := make([]string, 3)
	for i := range addrs {
		addrs[i] = startRampart(ctx, t, bin, cfgPath, redisURL)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}}
	defer client.CloseIdleConnections()
	const total = 1000
	var ok, limited, other atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range total {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addrs[i%len(addrs)]+"/api", nil)
			resp, err := client.Do(req)
			if err != nil {
				other.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusTooManyRequests:
				limited.Add(1)
			default:
				other.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok.Load() != 100 || limited.Load() != total-100 || other.Load() != 0 || apiHits.Load() != 100 {
		t.Fatalf("admitted %d, refused %d, other %d, upstream saw %d; want exactly 100 admitted", ok.Load(), limited.Load(), other.Load(), apiHits.Load())
	}

	post := func(addr, body string) int {
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 3 {
		if code := post(addrs[0], loginBody("alice", "guess")); code != http.StatusUnauthorized {
			t.Fatalf("failed login through the first process: %d", code)
		}
	}
	for _, addr := range addrs[1:] {
		if code := post(addr, loginBody("alice", "right")); code != http.StatusTooManyRequests {
			t.Fatalf("alice through %s after the lockout: %d, want 429", addr, code)
		}
	}
	if code := post(addrs[2], loginBody("bob", "x")); code != http.StatusUnauthorized {
		t.Fatalf("another user: %d", code)
	}
}

// startRampart runs rampart serve and returns its address once it
// listens; the process is interrupted when the test ends.
func startRampart(ctx context.Context, t *testing.T, bin, cfg, redisURL string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "serve", "--config", cfg)
	cmd.Env = append(os.Environ(), "REDIS_URL="+redisURL)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
			log.WriteString(sc.Text() + "\n")
		}
		close(addr)
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("rampart exited before listening:\n%s", log.String())
		}
		return a
	case <-ctx.Done():
		t.Fatal("rampart did not start")
	}
	return ""
}
