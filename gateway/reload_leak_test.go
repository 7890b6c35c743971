package gateway_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// TestReloadsLeakNothing reloads 200 times under load, alternating between
// two upstreams so that every reload retires a configuration with its own
// transport and live connections, and checks that open files and
// goroutines come back to where they were before within 5s.
func TestReloadsLeakNothing(t *testing.T) {
	if _, err := os.ReadDir("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd to count open files")
	}
	var ups [3]*httptest.Server // the third takes no traffic
	for i := range ups {
		ups[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"ok":true}`)
		}))
		t.Cleanup(ups[i].Close)
	}
	cfg := func(i int) *config.Config {
		return serverConfig(t, ups[i%2].URL, "{write: 1m, shutdown: 1m}", i%2 == 1)
	}
	srv, err := gateway.NewServer(serverConfig(t, ups[0].URL, "{write: 1m, shutdown: 1m}", false), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, stop := serve(t, srv)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	t.Cleanup(client.CloseIdleConnections)

	const workers = 8
	load := func(stopc <-chan struct{}, errc chan<- error) *sync.WaitGroup {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for {
					select {
					case <-stopc:
						return
					default:
					}
					res, err := client.Get(base + "/api/items/1")
					if err != nil {
						errc <- err
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						errc <- fmt.Errorf("status %d during reloads", res.StatusCode)
						return
					}
				}
			})
		}
		return &wg
	}
	settle := func() {
		client.CloseIdleConnections()
		for _, u := range ups {
			u.CloseClientConnections()
		}
	}

	// Warm up: the first configuration's connections exist, as they
	// would on a running gateway, then measure.
	warm := make(chan struct{})
	errc := make(chan error, 2*workers)
	wg := load(warm, errc)
	time.Sleep(100 * time.Millisecond)
	close(warm)
	wg.Wait()
	settle()
	time.Sleep(100 * time.Millisecond)
	fds0, gr0 := openFiles(t), runtime.NumGoroutine()

	stopLoad := make(chan struct{})
	wg = load(stopLoad, errc)
	for i := 1; i <= 200; i++ {
		if err := srv.Reload(cfg(i)); err != nil {
			t.Fatal(err)
		}
	}
	close(stopLoad)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	// One more reload retires the last loaded configuration too, so that
	// every upstream connection the load opened belongs to a retired
	// configuration and must close by itself.
	if err := srv.Reload(serverConfig(t, ups[2].URL, "{write: 1m, shutdown: 1m}", false)); err != nil {
		t.Fatal(err)
	}
	// Connections the load left idle to the gateway are the client's to
	// close.
	client.CloseIdleConnections()
	var fds, gr int
	deadline := time.Now().Add(5 * time.Second)
	for {
		fds, gr = openFiles(t), runtime.NumGoroutine()
		if fds <= fds0+4 && gr <= gr0+8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 200 reloads: %d open files (baseline %d), %d goroutines (baseline %d)", fds, fds0, gr, gr0)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("after 200 reloads: %d open files (baseline %d), %d goroutines (baseline %d)", fds, fds0, gr, gr0)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func openFiles(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
