package admin_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rampart-api/rampart/admin"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/metrics"
)

// stack is a gateway server with the admin server in front of its
// metrics and readiness, both on test listeners.
type stack struct {
	srv     *gateway.Server
	gateway string // base URL of the gateway
	admin   string // base URL of the admin server
	adm     *admin.Server
	stop    func()
}

func parse(t *testing.T, doc string) *config.Config {
	t.Helper()
	cfg, diags := config.Parse([]byte(doc), "rampart.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

func start(t *testing.T, cfg *config.Config, o admin.Options) *stack {
	t.Helper()
	hub := audit.NewHub()
	srv, err := gateway.NewServer(cfg, gateway.Options{Hub: hub})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(metrics.Options{Version: "v-test", Revision: "abc", GoVersion: "go-test", InFlight: srv.InFlight, KeySets: func() []jwt.KeySetStatus { return srv.Gateway().KeySets() }})
	hub.Subscribe(m)
	o.Ready, o.Metrics = srv.Ready, m.Handler()
	adm := admin.New(o)
	gln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	aln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	actx, acancel := context.WithCancel(context.Background())
	gdone, adone := make(chan error, 1), make(chan error, 1)
	go func() { gdone <- srv.Serve(ctx, gln) }()
	go func() { adone <- adm.Serve(actx, aln) }()
	s := &stack{srv: srv, adm: adm, gateway: "http://" + gln.Addr().String(), admin: "http://" + aln.Addr().String()}
	var stopped atomic.Bool
	s.stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		if err := <-gdone; err != nil {
			t.Errorf("gateway: %v", err)
		}
		acancel()
		if err := <-adone; err != nil {
			t.Errorf("admin: %v", err)
		}
	}
	t.Cleanup(s.stop)
	return s
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// scrape reads /metrics and parses it as Prometheus text.
func scrape(t *testing.T, base, token string) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := get(t, base+"/metrics", token)
	if status != 200 {
		t.Fatalf("/metrics: %d %s", status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value is the value of the series of name whose labels include want, or
// -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

const upstreamDown = "http://127.0.0.1:1"

func gatewayConfig(upstream string) string {
	return fmt.Sprintf(`
upstreams:
  app: {url: %q}
  down: {url: %q}
routes:
  - {path: "/api/items/{id}", methods: [GET], upstream: app, auth: none}
  - {path: "/broken", upstream: down, auth: none}
`, upstream, upstreamDown)
}

func TestMetricsMoveWithTrafficEventsAndReloads(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") }))
	defer up.Close()
	s := start(t, parse(t, gatewayConfig(up.URL)), admin.Options{})
	before := scrape(t, s.admin, "")
	if v := value(before, "rampart_build_info", map[string]string{"version": "v-test", "revision": "abc", "go_version": "go-test"}); v != 1 {
		t.Fatalf("rampart_build_info = %v", v)
	}
	if v := value(before, "rampart_config_reloads_total", map[string]string{"result": "success"}); v != 0 {
		t.Fatalf("reloads before any = %v", v)
	}
	for _, p := range []string{"/api/items/1", "/api/items/2", "/nothing/here/1", "/nothing/here/2", "/broken", "/api/items/%2e%2e/x"} {
		_, _ = get(t, s.gateway+p, "")
	}
	req, _ := http.NewRequest("BREW", s.gateway+"/api/items/1", nil)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
	}
	if err := s.srv.Reload(parse(t, gatewayConfig(up.URL))); err != nil {
		t.Fatal(err)
	}
	// Counters survive the reload.
	_, _ = get(t, s.gateway+"/api/items/3", "")
	after := scrape(t, s.admin, "")
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"rampart_requests_total", map[string]string{"route": "/api/items/{id}", "method": "GET", "status_class": "2xx"}, 3},
		{"rampart_request_duration_seconds", map[string]string{"route": "/api/items/{id}", "method": "GET"}, 3},
		{"rampart_requests_total", map[string]string{"route": "unmatched", "method": "GET", "status_class": "4xx"}, 3},
		{"rampart_requests_total", map[string]string{"method": "OTHER"}, 1},
		{"rampart_requests_total", map[string]string{"route": "/broken", "status_class": "5xx"}, 1},
		{"rampart_upstream_errors_total", map[string]string{"upstream": "down", "kind": "unreachable"}, 1},
		{"rampart_security_events_total", map[string]string{"event": "upstream.unavailable"}, 1},
		{"rampart_config_reloads_total", map[string]string{"result": "success"}, 1},
		{"rampart_config_reloads_total", map[string]string{"result": "failure"}, 0},
		{"rampart_in_flight_requests", nil, 0},
	}
	for _, c := range checks {
		if got := value(after, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// No raw path becomes a label value.
	for _, f := range after {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "/nothing") || strings.Contains(l.GetValue(), "items/1") || l.GetValue() == "BREW" {
					t.Errorf("%s has label %s=%q", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
}

func TestTokenRequiredWhenConfigured(t *testing.T) {
	const token = "admin-token-0123456789"
	s := start(t, parse(t, gatewayConfig(upstreamDown)), admin.Options{Token: token})
	s.adm.Handle("GET /console/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "console") }))
	wantRight := map[string]int{"/metrics": 200, "/console/": 200, "/debug/pprof/": 404, "/healthz/x": 404}
	// Probes answer without the token; readiness then keeps its details.
	if status, _ := get(t, s.admin+"/healthz", ""); status != 200 {
		t.Errorf("/healthz without the token: %d", status)
	}
	if status, body := get(t, s.admin+"/readyz", ""); status != 200 || body != "ready\n" {
		t.Errorf("/readyz without the token: %d %q", status, body)
	}
	for _, path := range []string{"/metrics", "/console/", "/debug/pprof/", "/healthz/x"} {
		for _, tc := range []struct {
			name, header string
			want         int
		}{
			{"none", "", 401},
			{"wrong", "Bearer admin-token-0123456788", 401},
			{"prefix of the token", "Bearer admin-token", 401},
			{"token with a suffix", "Bearer " + token + "x", 401},
			{"basic scheme", "Basic " + token, 401},
			{"bare token", token, 401},
			{"right", "Bearer " + token, wantRight[path]},
			{"scheme in lower case", "bearer " + token, wantRight[path]},
		} {
			status, body := get(t, s.admin+path, tc.header)
			if status != tc.want {
				t.Errorf("%s with %s token: %d, want %d", path, tc.name, status, tc.want)
			}
			if status == 401 && strings.Contains(body, token) {
				t.Errorf("401 body echoes the token")
			}
		}
	}
}

func TestPprofOnlyWhenEnabled(t *testing.T) {
	off := start(t, parse(t, gatewayConfig(upstreamDown)), admin.Options{})
	if status, _ := get(t, off.admin+"/debug/pprof/", ""); status != 404 {
		t.Fatalf("pprof off: %d", status)
	}
	on := start(t, parse(t, gatewayConfig(upstreamDown)), admin.Options{Pprof: true})
	if status, body := get(t, on.admin+"/debug/pprof/", ""); status != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("pprof on: %d", status)
	}
}

// TestReadyzWaitsForJWKS starts with the JWKS URL failing: /readyz is
// 503 and names the issuer while /healthz is 200; once the URL serves a
// key set, the background refresh fetches it and /readyz turns 200.
func TestReadyzWaitsForJWKS(t *testing.T) {
	key, err := devtoken.Keygen("ES256")
	if err != nil {
		t.Fatal(err)
	}
	var up atomic.Bool
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_ = key.WriteJWKS(w)
	}))
	defer jwks.Close()
	cfg := parse(t, fmt.Sprintf(`
upstreams: {app: {url: %q}}
auth:
  jwt:
    issuers:
      - {issuer: "https://id.example", audience: [api], algorithms: [ES256], jwks_url: %q, refresh_interval: 20ms, fetch_timeout: 1s}
routes:
  - {path: "/a", upstream: app, auth: jwt}
`, upstreamDown, jwks.URL))
	s := start(t, cfg, admin.Options{})
	if status, _ := get(t, s.admin+"/healthz", ""); status != 200 {
		t.Fatalf("/healthz: %d", status)
	}
	status, body := get(t, s.admin+"/readyz", "")
	if status != 503 || !strings.Contains(body, "https://id.example") || !strings.Contains(body, "no keys") {
		t.Fatalf("/readyz with the JWKS down: %d %q", status, body)
	}
	if v := value(scrape(t, s.admin, ""), "rampart_jwks_keys", map[string]string{"issuer": "https://id.example"}); v != 0 {
		t.Fatalf("rampart_jwks_keys = %v", v)
	}
	up.Store(true)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if status, _ = get(t, s.admin+"/readyz", ""); status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d after the JWKS came up", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	fams := scrape(t, s.admin, "")
	if v := value(fams, "rampart_jwks_keys", map[string]string{"issuer": "https://id.example", "source": "remote"}); v != 1 {
		t.Errorf("rampart_jwks_keys = %v, want 1", v)
	}
	if v := value(fams, "rampart_jwks_fetches_total", map[string]string{"result": "success"}); v < 1 {
		t.Errorf("successful fetches = %v", v)
	}
}

// TestReadyzFailsDuringDrain stops a server with a drain delay: /readyz
// turns 503 while the gateway still answers requests.
func TestReadyzFailsDuringDrain(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") }))
	defer up.Close()
	cfg := parse(t, gatewayConfig(up.URL)+"server: {timeouts: {drain_delay: 1m}}\n")
	s := start(t, cfg, admin.Options{})
	if status, body := get(t, s.admin+"/readyz", ""); status != 200 {
		t.Fatalf("/readyz before the stop: %d %s", status, body)
	}
	stopped := make(chan struct{})
	go func() { s.stop(); close(stopped) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body := get(t, s.admin+"/readyz", "")
		if status == 503 && strings.Contains(body, "draining") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz during the drain: %d %s", status, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if status, _ := get(t, s.gateway+"/api/items/1", ""); status != 200 {
		t.Fatalf("gateway during the drain: %d", status)
	}
	s.srv.StopNow()
	<-stopped
}

// TestReadyzPingsTheStore: with the Redis store unreachable /readyz is
// 503 and names the store, never its URL; with the CI Redis it is 200.
func TestReadyzPingsTheStore(t *testing.T) {
	t.Setenv("RAMPART_TEST_DOWN_REDIS", "redis://:hunter2@127.0.0.1:1/15")
	doc := func(env string) string {
		return fmt.Sprintf(`
upstreams: {app: {url: %q}}
rate_limits:
  store: redis
  redis: {url: "${env:%s}", timeout: 200ms}
routes:
  - {path: "/a", upstream: app, auth: none, rate_limit: [{key: ip, limit: 10, window: 1m}]}
`, upstreamDown, env)
	}
	cfg, diags := config.Parse([]byte(doc("RAMPART_TEST_DOWN_REDIS")), "rampart.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	s := start(t, cfg, admin.Options{})
	status, body := get(t, s.admin+"/readyz", "")
	if status != 503 || !strings.Contains(body, "rate_limits.store redis: not answering") || strings.Contains(body, "hunter2") || strings.Contains(body, "127.0.0.1:1") {
		t.Fatalf("/readyz with Redis down: %d %q", status, body)
	}
	if os.Getenv("RAMPART_TEST_REDIS") == "" {
		return
	}
	cfg, diags = config.Parse([]byte(doc("RAMPART_TEST_REDIS")), "rampart.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	up := start(t, cfg, admin.Options{})
	if status, body := get(t, up.admin+"/readyz", ""); status != 200 {
		t.Fatalf("/readyz with Redis up: %d %q", status, body)
	}
}

// Requests Options.Public accepts answer without the token; every other
// mounted handler still needs it.
func TestPublicRequestsNeedNoToken(t *testing.T) {
	s := admin.New(admin.Options{Token: "0123456789abcdef-admin", Public: func(r *http.Request) bool { return r.URL.Path == "/page" }})
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	s.Handle("/page", ok)
	s.Handle("/data", ok)
	for _, tc := range []struct {
		path, auth string
		status     int
	}{
		{"/page", "", 200},
		{"/data", "", 401},
		{"/data", "Bearer 0123456789abcdef-admin", 200},
		{"/page/../data", "", 401},
		{"/metrics", "", 401},
	} {
		r := httptest.NewRequest("GET", tc.path, nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Errorf("%s (%q): %d, want %d", tc.path, tc.auth, w.Code, tc.status)
		}
	}
}
