package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// serverConfig has a route to a slow upstream call; with v2 it also has
// /v2/{id}, which tells the two configurations apart.
func serverConfig(t testing.TB, upstream, timeouts string, v2 bool) *config.Config {
	t.Helper()
	routes := `
  - {path: "/slow", upstream: app, auth: none}
  - {path: "/api/items/{id}", upstream: app, auth: none}`
	if v2 {
		routes += `
  - {path: "/v2/{id}", upstream: app, auth: none}`
	}
	cfg, diags := config.Parse([]byte(fmt.Sprintf(`
server:
  timeouts: %s
upstreams:
  app: {url: %s}
routes:%s
`, timeouts, upstream, routes)), "server.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

// slowUpstream holds every /slow request until release is closed.
type slowUpstream struct {
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

func (u *slowUpstream) releaseAll() { u.once.Do(func() { close(u.release) }) }

func newSlowUpstream() *slowUpstream {
	return &slowUpstream{arrived: make(chan struct{}, 16), release: make(chan struct{})}
}

func (u *slowUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/slow" {
		u.arrived <- struct{}{}
		select {
		case <-u.release:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, "done "+r.URL.Path)
}

// RoundTrip makes the upstream a transport, for servers without a network.
func (u *slowUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	u.ServeHTTP(w, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return w.Result(), nil
}

// closeLog records the gateways a server closes and how many requests
// were still running on each when it did; ch signals each record.
type closeLog struct {
	mu       sync.Mutex
	order    []*gateway.Gateway
	inFlight map[*gateway.Gateway][]int64
	ch       chan *gateway.Gateway
}

func watchCloses(srv *gateway.Server) *closeLog {
	c := &closeLog{inFlight: map[*gateway.Gateway][]int64{}, ch: make(chan *gateway.Gateway, 1024)}
	srv.OnClose(func(g *gateway.Gateway) {
		c.mu.Lock()
		c.order = append(c.order, g)
		c.inFlight[g] = append(c.inFlight[g], gateway.InFlight(g))
		c.mu.Unlock()
		c.ch <- g
	})
	return c
}

// closes returns the in-flight counts seen at each close of g.
func (c *closeLog) closes(g *gateway.Gateway) []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64(nil), c.inFlight[g]...)
}

func (c *closeLog) waitFor(t *testing.T, g *gateway.Gateway, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for len(c.closes(g)) == 0 {
		select {
		case <-c.ch:
		case <-deadline:
			t.Fatalf("gateway not closed within %s", within)
		}
	}
}

type result struct {
	status int
	body   string
	err    error
}

func get(url string) result {
	res, err := http.Get(url)
	if err != nil {
		return result{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return result{status: res.StatusCode, body: string(b), err: err}
}

// serve runs srv on a loopback listener until the returned stop is called;
// stop returns Serve's error.
func serve(t *testing.T, srv *gateway.Server) (base string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() {
			cancel()
			serr = <-done
		})
		return serr
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

// A request held by the upstream across a reload finishes on the
// configuration it started on, and that configuration is closed only once
// the request has returned; new requests get the new configuration.
func TestReloadDrainsInFlightRequest(t *testing.T) {
	up := newSlowUpstream()
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	defer up.releaseAll()
	const timeouts = "{write: 1m, shutdown: 1m, upstream: 1m}"
	events := &syncBuffer{}
	srv, err := gateway.NewServer(serverConfig(t, upSrv.URL, timeouts, false), gateway.Options{
		Events: audit.NewLogger(slog.NewJSONHandler(events, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	closes := watchCloses(srv)
	base, stop := serve(t, srv)

	if r := get(base + "/v2/1"); r.status != 404 {
		t.Fatalf("/v2 before the reload: %+v", r)
	}
	slow := make(chan result, 1)
	go func() { slow <- get(base + "/slow") }()
	<-up.arrived
	old := srv.Gateway()
	if n := gateway.InFlight(old); n != 1 {
		t.Fatalf("in flight on the running configuration: %d, want 1", n)
	}

	if err := srv.Reload(serverConfig(t, upSrv.URL, timeouts, true)); err != nil {
		t.Fatal(err)
	}
	cur := srv.Gateway()
	if cur == old {
		t.Fatal("reload did not swap the configuration")
	}
	if r := get(base + "/v2/1"); r.status != 200 || r.body != "done /v2/1" {
		t.Fatalf("/v2 after the reload: %+v", r)
	}
	if got := closes.closes(old); len(got) != 0 || srv.Retired() != 1 {
		t.Fatalf("retired configuration closed under a running request: closes %v, retired %d", got, srv.Retired())
	}

	up.release <- struct{}{} // a send, so that the deferred close still works
	if r := <-slow; r.err != nil || r.status != 200 || r.body != "done /slow" {
		t.Fatalf("request across the reload: %+v", r)
	}
	closes.waitFor(t, old, 5*time.Second)
	if got := closes.closes(old); len(got) != 1 || got[0] != 0 {
		t.Fatalf("retired configuration: in flight at each close %v, want [0]", got)
	}
	if srv.Retired() != 0 {
		t.Fatalf("retired configurations left: %d", srv.Retired())
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := closes.closes(cur); len(got) != 1 {
		t.Fatalf("current configuration closed %d times at shutdown, want 1", len(got))
	}
	if got := closes.closes(old); len(got) != 1 {
		t.Fatalf("retired configuration closed again at shutdown: %v", got)
	}
	if !strings.Contains(events.String(), `"event":"config.reloaded"`) {
		t.Fatalf("no reload event: %s", events.String())
	}
}

// A retired configuration nothing runs on is closed by the reload, not
// after the drain bound.
func TestReloadClosesIdleConfigurationAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		up := newSlowUpstream()
		const timeouts = "{write: 1h, shutdown: 1h}"
		srv, err := gateway.NewServer(serverConfig(t, "http://upstream.invalid", timeouts, false), gateway.Options{Transport: up})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = srv.Gateway().Close() }()
		closes := watchCloses(srv)
		for range 3 {
			old := srv.Gateway()
			start := time.Now()
			if err := srv.Reload(serverConfig(t, "http://upstream.invalid", timeouts, true)); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			if got := closes.closes(old); len(got) != 1 || got[0] != 0 {
				t.Fatalf("idle retired configuration: closes %v, want one with nothing in flight", got)
			}
			if waited := time.Since(start); waited != 0 {
				t.Fatalf("idle retired configuration closed after %s", waited)
			}
		}
		if srv.Retired() != 0 {
			t.Fatalf("retired configurations left: %d", srv.Retired())
		}
	})
}

// A request that hangs cannot keep a retired configuration open past the
// drain bound, the longer of the write and shutdown timeouts; when it
// ends at last, nothing is closed twice.
func TestRetiredConfigurationClosedAfterDrainBound(t *testing.T) {
	for _, tc := range []struct {
		name     string
		timeouts string
		bound    time.Duration
	}{
		{"write timeout longer", "{write: 3s, shutdown: 1s, upstream: 1m}", 3 * time.Second},
		{"shutdown timeout longer", "{write: 1s, shutdown: 4s, upstream: 1m}", 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				up := newSlowUpstream()
				log := &syncBuffer{}
				srv, err := gateway.NewServer(serverConfig(t, "http://upstream.invalid", tc.timeouts, false), gateway.Options{
					Transport: up,
					Log:       slog.New(slog.NewJSONHandler(log, nil)),
				})
				if err != nil {
					t.Fatal(err)
				}
				defer func() { _ = srv.Gateway().Close() }()
				defer up.releaseAll()
				closes := watchCloses(srv)
				h := srv.Handler()
				w := httptest.NewRecorder()
				done := make(chan struct{})
				go func() {
					defer close(done)
					h.ServeHTTP(w, httptest.NewRequest("GET", "/slow", nil))
				}()
				<-up.arrived
				old := srv.Gateway()
				if err := srv.Reload(serverConfig(t, "http://upstream.invalid", tc.timeouts, true)); err != nil {
					t.Fatal(err)
				}

				time.Sleep(tc.bound - time.Millisecond)
				synctest.Wait()
				if got := closes.closes(old); len(got) != 0 {
					t.Fatalf("closed before the drain bound: %v", got)
				}
				time.Sleep(time.Millisecond)
				synctest.Wait()
				if got := closes.closes(old); len(got) != 1 || got[0] != 1 {
					t.Fatalf("at the drain bound: in flight at each close %v, want [1]", got)
				}
				if !strings.Contains(log.String(), "requests still running") {
					t.Fatalf("forced close not logged: %s", log.String())
				}

				up.releaseAll()
				<-done
				synctest.Wait()
				if w.Code != 200 {
					t.Fatalf("hung request: %d %s", w.Code, w.Body)
				}
				if got := closes.closes(old); len(got) != 1 {
					t.Fatalf("retired configuration closed %d times", len(got))
				}
			})
		})
	}
}

// Shutdown closes the running configuration and every retired one still
// waiting for its requests, and refuses reloads from then on.
func TestShutdownClosesRetiredConfigurations(t *testing.T) {
	up := newSlowUpstream()
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	defer up.releaseAll()
	const timeouts = "{write: 1m, shutdown: 200ms, upstream: 1m}"
	srv, err := gateway.NewServer(serverConfig(t, upSrv.URL, timeouts, false), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	closes := watchCloses(srv)
	base, stop := serve(t, srv)

	var retired []*gateway.Gateway
	var slow []chan result
	for range 2 {
		ch := make(chan result, 1)
		go func() { ch <- get(base + "/slow") }()
		<-up.arrived
		slow = append(slow, ch)
		retired = append(retired, srv.Gateway())
		if err := srv.Reload(serverConfig(t, upSrv.URL, timeouts, true)); err != nil {
			t.Fatal(err)
		}
	}
	cur := srv.Gateway()
	if srv.Retired() != 2 {
		t.Fatalf("retired configurations waiting: %d, want 2", srv.Retired())
	}

	err = stop()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shutdown with hung requests: %v, want the shutdown timeout", err)
	}
	for i, g := range append(retired, cur) {
		if got := closes.closes(g); len(got) != 1 {
			t.Fatalf("configuration %d closed %d times at shutdown, want 1", i, len(got))
		}
	}
	if srv.Retired() != 0 {
		t.Fatalf("retired configurations left after shutdown: %d", srv.Retired())
	}
	if err := srv.Reload(serverConfig(t, upSrv.URL, timeouts, false)); !errors.Is(err, gateway.ErrServerStopped) {
		t.Fatalf("reload after shutdown: %v, want ErrServerStopped", err)
	}
	if srv.Gateway() != cur {
		t.Fatal("reload after shutdown swapped the configuration")
	}

	up.releaseAll()
	for _, ch := range slow {
		<-ch
	}
	for i, g := range append(retired, cur) {
		if got := closes.closes(g); len(got) != 1 {
			t.Fatalf("configuration %d closed again when its request ended: %d closes", i, len(got))
		}
	}
}

// Requests racing with reloads each run on one configuration from start
// to end, and every retired configuration is closed exactly once, with
// nothing left running on it.
func TestReloadUnderLoad(t *testing.T) {
	cfgs := [2]*config.Config{
		serverConfig(t, "http://127.0.0.1:9", "{write: 1m, shutdown: 1m}", false),
		serverConfig(t, "http://127.0.0.1:9", "{write: 1m, shutdown: 1m}", true),
	}
	srv, err := gateway.NewServer(cfgs[0], gateway.Options{Transport: cannedTransport{body: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	closes := watchCloses(srv)
	h := srv.Handler()
	const workers, reloads = 8, 50
	stopLoad := make(chan struct{})
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", "/api/items/1", nil))
				if w.Code != 200 {
					errc <- fmt.Errorf("status %d during reloads: %s", w.Code, w.Body)
					return
				}
			}
		})
	}
	var retired []*gateway.Gateway
	for i := range reloads {
		retired = append(retired, srv.Gateway())
		if err := srv.Reload(cfgs[(i+1)%2]); err != nil {
			t.Fatal(err)
		}
	}
	close(stopLoad)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	for _, g := range retired {
		closes.waitFor(t, g, 5*time.Second)
	}
	if n := srv.Retired(); n != 0 {
		t.Fatalf("retired configurations not closed: %d", n)
	}
	for i, g := range retired {
		if got := closes.closes(g); len(got) != 1 || got[0] != 0 {
			t.Fatalf("retired configuration %d: in flight at each close %v, want [0]", i, got)
		}
	}
	_ = srv.Gateway().Close()
}

// A rejected reload reports every problem to the caller, who shows it to
// the operator, but the security event carries only a fixed reason and a
// count: problem texts quote configuration values.
func TestReloadRejectionEventQuotesNoConfig(t *testing.T) {
	const secret = "hunter2"
	for _, tc := range []struct {
		name     string
		spoil    func(*config.Config)
		problems float64
	}{
		{"trusted proxy quoting a secret", func(c *config.Config) {
			c.Server.TrustedProxies = []string{"10.0.0.0/8", "password=" + secret}
		}, 1},
		{"route to an upstream named after a secret", func(c *config.Config) {
			c.Routes[0].Upstream = "db-" + secret
		}, 1},
		{"several problems, each quoting the secret", func(c *config.Config) {
			c.Server.TrustedProxies = []string{secret + "/99"}
			c.Routes[1].Upstream = secret
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var events bytes.Buffer
			srv, err := gateway.NewServer(serverConfig(t, "http://127.0.0.1:9", "{}", false), gateway.Options{
				Events: audit.NewLogger(slog.NewJSONHandler(&events, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Gateway().Close()
			closes := watchCloses(srv)
			running := srv.Gateway()
			bad := serverConfig(t, "http://127.0.0.1:9", "{}", true)
			tc.spoil(bad)

			err = srv.Reload(bad)
			if err == nil || !strings.Contains(err.Error(), secret) {
				t.Fatalf("caller's error lost the problem: %v", err)
			}
			if srv.Gateway() != running || srv.Retired() != 0 || len(closes.closes(running)) != 0 {
				t.Fatal("a rejected reload changed the running configuration")
			}
			if strings.Contains(events.String(), secret) {
				t.Fatalf("event quotes the configuration: %s", events.String())
			}
			var ev map[string]any
			if err := json.Unmarshal(events.Bytes(), &ev); err != nil {
				t.Fatalf("want one event: %v: %s", err, events.String())
			}
			if ev["event"] != audit.ConfigRejected || ev["reason"] != "configuration rejected" || ev["problems"] != tc.problems {
				t.Fatalf("event %v, want %s, a fixed reason and %v problems", ev, audit.ConfigRejected, tc.problems)
			}
		})
	}
}
