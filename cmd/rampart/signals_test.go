package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeSignals runs the real serve loop and sends it real signals: a
// SIGHUP with a broken file is a config.rejected event that quotes none of
// the file; a SIGHUP with the unchanged file keeps a spent quota; the
// first SIGTERM starts the drain delay, during which requests are still
// answered; the second stops at once although a request is still held
// and the delay has a minute to run.
func TestServeSignals(t *testing.T) {
	held, release := make(chan struct{}, 1), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			held <- struct{}{}
			<-release
		}
		fmt.Fprint(w, "ok")
	}))
	defer up.Close()
	defer close(release)
	dir := t.TempDir()
	path, events, server := filepath.Join(dir, "rampart.yaml"), filepath.Join(dir, "events.log"), filepath.Join(dir, "server.log")
	good := fmt.Sprintf(`server: {listen: "127.0.0.1:0", timeouts: {drain_delay: 1m, shutdown: 1m, write: 1m}}
upstreams: {app: {url: %q}}
log: {access: "off", events: %q, server: %q}
routes:
  - {path: /quota, upstream: app, auth: none, rate_limit: [{key: ip, limit: 1, window: 1h}]}
  - {path: /slow, upstream: app, auth: none, rate_limit: []}
  - {path: /fast, upstream: app, auth: none, rate_limit: []}
`, up.URL, events, server)
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- serve(context.Background(), path, io.Discard, func(a net.Addr) { addrc <- a }) }()
	base := "http://" + (<-addrc).String()
	client := &http.Client{Timeout: 10 * time.Second}
	status := func(p string) int {
		t.Helper()
		res, err := client.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	waitEvent := func(name string) string { return waitLog(t, events, `"event":"`+name+`"`) }

	if status("/quota") != 200 || status("/quota") != 429 {
		t.Fatal("quota of 1 not enforced")
	}
	const marker = "hunter2-in-a-broken-file"
	if err := os.WriteFile(path, []byte("server: [broken "+marker), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGHUP)
	if log := waitEvent("config.rejected"); strings.Contains(log, marker) || !strings.Contains(log, `"problems":`) {
		t.Fatalf("config.rejected event quotes the file or lacks the count:\n%s", log)
	}
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitEvent("config.reloaded")
	if status("/quota") != 429 {
		t.Fatal("a reload of an unchanged file reset the spent quota")
	}

	slow := make(chan error, 1)
	go func() {
		res, err := client.Get(base + "/slow")
		if err == nil {
			res.Body.Close()
		}
		slow <- err
	}()
	<-held
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	// Signals of one kind sent before the first is delivered merge into
	// one; wait until the first is handled. Within the minute of drain
	// delay the gateway keeps answering, with keep-alives off.
	waitLog(t, server, "stopping after the drain delay")
	for range 5 {
		if got := status("/fast"); got != 200 {
			t.Fatalf("during the drain delay: %d", got)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("serve returned during the drain delay: %v", err)
	default:
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second SIGTERM did not stop at once")
	}
	if err := <-slow; err == nil {
		t.Fatal("the held request was answered although the stop was immediate")
	}
}
