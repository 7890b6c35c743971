package scan

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

func testClient(t *testing.T, h http.Handler, cfg Config) (*client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.Target = srv.URL
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return newClient(s.origin, &s.cfg), srv
}

func TestClientRefusesOtherOrigins(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	c, srv := testClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/stolen", http.StatusFound)
	}), Config{})
	u, _ := url.Parse(srv.URL)
	for _, p := range []string{
		other.URL + "/x",
		"//" + u.Host + ".evil.example/x",
		"//evil.example/x",
		"https://" + u.Host + "/x",
		"http://user:pw@" + u.Host + "/x",
		"http://[::1]:1/x",
	} {
		if _, err := c.do(context.Background(), &probe{Method: http.MethodGet, Path: p}); !errors.Is(err, ErrOffOrigin) {
			t.Errorf("%q: want ErrOffOrigin, got %v", p, err)
		}
	}
	ex, err := c.do(context.Background(), &probe{Method: http.MethodGet, Path: "/redirect"})
	if err != nil || ex.Status != http.StatusFound {
		t.Fatalf("redirect: %v %v", ex, err)
	}
	if elsewhere.Load() != 0 {
		t.Error("a redirect to another origin was followed")
	}
}

func TestClientBudget(t *testing.T) {
	var hits atomic.Int32
	c, _ := testClient(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }), Config{MaxRequests: 3, RPS: 1000})
	for i := range 5 {
		_, err := c.do(context.Background(), &probe{Method: http.MethodGet, Path: "/"})
		if (i < 3) != (err == nil) || (i >= 3 && !errors.Is(err, ErrBudget)) {
			t.Errorf("request %d: %v", i, err)
		}
	}
	if hits.Load() != 3 || c.requests() != 3 {
		t.Errorf("server saw %d, client counted %d, want 3", hits.Load(), c.requests())
	}
}

func TestClientUnsafeGate(t *testing.T) {
	var writes atomic.Int32
	h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if isWrite(r.Method) {
			writes.Add(1)
		}
	})
	c, _ := testClient(t, h, Config{RPS: 1000})
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if _, err := c.do(context.Background(), &probe{Method: m, Path: "/api/users/1", Body: []byte(`{"role":"admin"}`)}); !errors.Is(err, ErrUnsafe) {
			t.Errorf("%s: want ErrUnsafe, got %v", m, err)
		}
	}
	if _, err := c.do(context.Background(), malformedJSON(http.MethodPost, "/api/users", "POST /api/users")); err != nil {
		t.Errorf("harmless probe refused: %v", err)
	}
	if writes.Load() != 1 {
		t.Errorf("server saw %d writes, want only the harmless one", writes.Load())
	}
	cu, _ := testClient(t, h, Config{RPS: 1000, Unsafe: true})
	if _, err := cu.do(context.Background(), &probe{Method: http.MethodDelete, Path: "/api/users/1"}); err != nil {
		t.Errorf("unsafe write refused: %v", err)
	}
}

func TestClientRate(t *testing.T) {
	c, _ := testClient(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), Config{RPS: 5})
	// The limiter's own clock shows the rate: after the burst of 5 is
	// spent, the next token is a fifth of a second away.
	for range 5 {
		if _, err := c.do(context.Background(), &probe{Method: http.MethodGet, Path: "/"}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	if d := c.lim.ReserveN(now, 1).DelayFrom(now); d < 150*time.Millisecond {
		t.Errorf("rate not enforced: next request after %v", d)
	}
}

func TestUnreachableTarget(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	s, err := New(Config{Target: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(context.Background()); !errors.Is(err, ErrUnreachable) {
		t.Errorf("want ErrUnreachable, got %v", err)
	}
}
