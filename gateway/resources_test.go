package gateway_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/rampart-api/rampart/gateway"
)

// TestUpstreamConnectionReusedAcrossReloads sends requests one after the
// other through ten reloads of configurations reaching the same upstream:
// the upstream sees a single connection, since every configuration uses
// the one transport for it and its idle connection.
func TestUpstreamConnectionReusedAcrossReloads(t *testing.T) {
	var conns atomic.Int64
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") }))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	up.Start()
	defer up.Close()
	srv, err := gateway.NewServer(serverConfig(t, up.URL, "{write: 1m, shutdown: 1m}", false), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, stop := serve(t, srv)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	for i := range 10 {
		res, err := client.Get(base + "/api/items/1")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		// Alternate the route set, so that each reload is a new
		// configuration, not the same one again.
		if err := srv.Reload(serverConfig(t, up.URL, "{write: 1m, shutdown: 1m}", i%2 == 0)); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("upstream saw %d connections over 10 reloads, want 1", n)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestFailingListenerClosesServer serves on a listener that fails at
// once: Serve returns the error and closes the configuration, whose
// background resources would otherwise never be released.
func TestFailingListenerClosesServer(t *testing.T) {
	srv, err := gateway.NewServer(serverConfig(t, "http://127.0.0.1:9", "{}", false), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan *gateway.Gateway, 1)
	srv.OnClose(func(g *gateway.Gateway) { closed <- g })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = srv.Serve(context.Background(), ln)
	if err == nil || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve = %v, want the listener's error", err)
	}
	select {
	case g := <-closed:
		if g != srv.Gateway() {
			t.Fatal("closed another configuration")
		}
	default:
		t.Fatal("configuration left open")
	}
	if err := srv.Reload(serverConfig(t, "http://127.0.0.1:9", "{}", true)); !errors.Is(err, gateway.ErrServerStopped) {
		t.Fatalf("Reload after a failed Serve = %v", err)
	}
}
