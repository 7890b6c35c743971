package gateway_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/apikey"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/problem"
)

// recorder is an upstream that remembers what reached it.
type recorder struct {
	mu   sync.Mutex
	hits []*http.Request
	body [][]byte
}

func (u *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.hits = append(u.hits, r.Clone(r.Context()))
	u.body = append(u.body, b)
	u.mu.Unlock()
	switch r.URL.Path {
	case "/boom":
		w.Header().Set("X-Powered-By", "Express")
		w.WriteHeader(500)
		fmt.Fprint(w, "TypeError: Cannot read properties of undefined\n    at /srv/app/routes/notes.js:42:17")
		return
	case "/hang":
		<-r.Context().Done()
		return
	}
	w.Header().Set("Server", "Express")
	w.Header().Set("X-Powered-By", "Express")
	w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	w.Header().Set("Access-Control-Allow-Credentials", "true")
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
}

func (u *recorder) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.hits)
}

func (u *recorder) last() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits[len(u.hits)-1]
}

const baseConfig = `
server:
  trusted_proxies: [10.0.0.0/8]
  max_body_bytes: 1024
  max_header_bytes: 2048
  timeouts: {upstream: 300ms}
upstreams:
  app: {url: %s}
cors:
  allowed_origins: [https://app.example.com]
  allowed_methods: [GET, POST]
  allowed_headers: [Authorization, Content-Type]
  allow_credentials: true
  max_age: 10m
routes:
  - {path: "/public/*", methods: [GET], upstream: app, auth: none}
  - {path: "/api/items/{id}", methods: [GET, PUT], upstream: app, auth: none}
  - {path: "/api/upload", methods: [POST], upstream: app, auth: none}
  - {path: "/boom", upstream: app, auth: none}
  - {path: "/hang", upstream: app, auth: none}
  - {path: "/panic", upstream: app, auth: none}
`

type fixture struct {
	gw     *gateway.Gateway
	up     *recorder
	events *bytes.Buffer
	log    *bytes.Buffer
}

func newFixture(t *testing.T, extra string) *fixture {
	t.Helper()
	up := &recorder{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	cfg, diags := config.Parse([]byte(fmt.Sprintf(baseConfig, srv.URL)+extra), "test.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	f := &fixture{up: up, events: &bytes.Buffer{}, log: &bytes.Buffer{}}
	gw, err := gateway.New(cfg, gateway.Options{
		Log:    slog.New(slog.NewJSONHandler(f.log, nil)),
		Events: audit.NewLogger(slog.NewJSONHandler(f.events, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	f.gw = gw
	return f
}

func (f *fixture) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.gw.ServeHTTP(w, r)
	return w
}

func rawRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, "/", nil)
	r.RequestURI = target
	u, err := url.ParseRequestURI(target)
	if err != nil {
		panic(err)
	}
	r.URL = u
	return r
}

func checkProblem(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("Content-Type %q", ct)
	}
	var p map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("body not JSON: %s", w.Body)
	}
	if p["status"] != float64(status) || p["title"] != http.StatusText(status) || p["type"] != "about:blank" || p["request_id"] != w.Header().Get("X-Request-Id") {
		t.Fatalf("problem %v", p)
	}
	if len(p) != 4 && p["detail"] == nil {
		t.Fatalf("unexpected problem fields %v", p)
	}
}

func TestPathNormalisationCannotBypassRoutes(t *testing.T) {
	f := newFixture(t, "")
	tests := []struct {
		target   string
		status   int
		upstream string // path the upstream must see, "" when it must see nothing
	}{
		{"/api/items/7", 200, "/api/items/7"},
		{"//api/items/7", 200, "/api/items/7"},
		{"/public/../api/items/7", 200, "/api/items/7"},
		{"/public/%2e%2e/api/items/7", 200, "/api/items/7"},
		{"/api/items/./7", 200, "/api/items/7"},
		{"/api/%69tems/7", 200, "/api/items/7"},
		{"/public/%2e%2e/admin", 404, ""},
		{"/public/..%2fadmin", 400, ""},
		{"/public/a%2fb", 400, ""},
		{"/public/a%5c..%5cadmin", 400, ""},
		{"/public/..\\admin", 400, ""},
		{"/API/items/7", 404, ""},
		{"/api/items/7;/../../admin", 400, ""},
		{"/api/items/%00", 400, ""},
		{"/../etc/passwd", 400, ""},
		{"/admin", 404, ""},
		{"/public/docs/a.txt", 200, "/public/docs/a.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			before := f.up.count()
			w := f.do(rawRequest("GET", tt.target))
			if tt.upstream == "" {
				checkProblem(t, w, tt.status)
				if f.up.count() != before {
					t.Fatalf("upstream saw %s", f.up.last().URL)
				}
				return
			}
			if w.Code != tt.status || f.up.count() != before+1 {
				t.Fatalf("status %d, upstream hits %d", w.Code, f.up.count()-before)
			}
			if got := f.up.last().URL.EscapedPath(); got != tt.upstream {
				t.Fatalf("upstream saw %q, want %q", got, tt.upstream)
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t, "")
	w := f.do(httptest.NewRequest("DELETE", "/api/items/7", nil))
	checkProblem(t, w, 405)
	if w.Header().Get("Allow") != "GET, HEAD, PUT" {
		t.Fatalf("Allow %q", w.Header().Get("Allow"))
	}
}

func TestHelmetHeadersAndScrubbing(t *testing.T) {
	f := newFixture(t, "")
	want := map[string]string{
		"Content-Security-Policy":           "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
		"Cross-Origin-Opener-Policy":        "same-origin",
		"Cross-Origin-Resource-Policy":      "same-origin",
		"Origin-Agent-Cluster":              "?1",
		"Referrer-Policy":                   "no-referrer",
		"Strict-Transport-Security":         "max-age=31536000; includeSubDomains",
		"X-Content-Type-Options":            "nosniff",
		"X-Dns-Prefetch-Control":            "off",
		"X-Download-Options":                "noopen",
		"X-Frame-Options":                   "SAMEORIGIN",
		"X-Permitted-Cross-Domain-Policies": "none",
		"X-Xss-Protection":                  "0",
	}
	for _, target := range []string{"/api/items/1", "/boom", "/nowhere"} {
		t.Run(target, func(t *testing.T) {
			w := f.do(httptest.NewRequest("GET", target, nil))
			for k, v := range want {
				if got := w.Header().Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s = %q", k, got)
				}
			}
			for _, k := range []string{"Server", "X-Powered-By"} {
				if w.Header().Get(k) != "" {
					t.Errorf("%s leaked", k)
				}
			}
		})
	}
	w := f.do(httptest.NewRequest("GET", "/boom", nil))
	checkProblem(t, w, 500)
	if strings.Contains(w.Body.String(), "notes.js") || !strings.Contains(f.log.String(), "notes.js:42") {
		t.Fatalf("stack trace must go to the log only: body %s", w.Body)
	}
	if !strings.Contains(f.events.String(), `"event":"upstream.error_scrubbed"`) {
		t.Fatal("no scrub event")
	}
}

func TestCORS(t *testing.T) {
	f := newFixture(t, "")
	tests := []struct {
		name, method, origin string
		preflight            bool
		allow                string
		reachesUpstream      bool
	}{
		{"listed origin", "GET", "https://app.example.com", false, "https://app.example.com", true},
		{"other origin, upstream reflects it", "GET", "https://evil.example", false, "", true},
		{"null origin", "GET", "null", false, "", true},
		{"preflight listed", "OPTIONS", "https://app.example.com", true, "https://app.example.com", false},
		{"preflight evil", "OPTIONS", "https://evil.example", true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.up.count()
			r := httptest.NewRequest(tt.method, "/api/items/1", nil)
			r.Header.Set("Origin", tt.origin)
			if tt.preflight {
				r.Header.Set("Access-Control-Request-Method", "POST")
			}
			w := f.do(r)
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tt.allow {
				t.Fatalf("Allow-Origin %q, want %q", got, tt.allow)
			}
			if tt.allow == "" && w.Header().Get("Access-Control-Allow-Credentials") != "" {
				t.Fatal("credentials allowed for a foreign origin")
			}
			if (f.up.count() > before) != tt.reachesUpstream {
				t.Fatalf("reached upstream: %v", f.up.count() > before)
			}
			if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Origin") {
				t.Fatal("no Vary: Origin")
			}
			if tt.preflight && w.Header().Get("X-Frame-Options") == "" {
				t.Fatal("preflight without security headers")
			}
		})
	}
}

func TestForwardedHeadersFromUntrustedPeer(t *testing.T) {
	f := newFixture(t, "")
	r := httptest.NewRequest("GET", "/api/items/1", nil)
	r.RemoteAddr = "203.0.113.50:4321"
	r.Header.Set("X-Forwarded-For", "10.0.0.1")
	r.Header.Set("X-Forwarded-Host", "admin.internal")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Request-Id", "bad id\nforged")
	w := f.do(r)
	if w.Code != 200 {
		t.Fatal(w.Code)
	}
	got := f.up.last().Header
	if got.Get("X-Forwarded-For") != "203.0.113.50" || got.Get("X-Forwarded-Proto") != "http" || got.Get("X-Forwarded-Host") != "example.com" {
		t.Fatalf("forwarded %v", got)
	}
	id := w.Header().Get("X-Request-Id")
	if id == "" || strings.Contains(id, "forged") || got.Get("X-Request-Id") != id {
		t.Fatalf("request id %q upstream %q", id, got.Get("X-Request-Id"))
	}
}

func TestBodyLimits(t *testing.T) {
	f := newFixture(t, "")
	tests := []struct {
		name    string
		body    io.Reader
		length  int64
		status  int
		reaches bool
	}{
		{"within limit", strings.NewReader(strings.Repeat("a", 1024)), 1024, 200, true},
		{"declared over limit", strings.NewReader(strings.Repeat("a", 1025)), 1025, 413, false},
		{"chunked within limit", strings.NewReader(strings.Repeat("a", 1000)), -1, 200, true},
		{"chunked over limit", strings.NewReader(strings.Repeat("a", 5000)), -1, 413, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.up.count()
			r := httptest.NewRequest("POST", "/api/upload", tt.body)
			r.Header.Set("Content-Type", "application/octet-stream") // a body without one is refused
			r.ContentLength = tt.length
			w := f.do(r)
			if tt.status != 200 {
				checkProblem(t, w, tt.status)
			} else if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			if (f.up.count() > before) != tt.reaches {
				t.Fatalf("upstream reached: %v", f.up.count() > before)
			}
		})
	}
}

func TestOversizedHeaderAndUpgrade(t *testing.T) {
	f := newFixture(t, "")
	r := httptest.NewRequest("GET", "/api/items/1", nil)
	r.Header.Set("X-Big", strings.Repeat("b", 3000))
	checkProblem(t, f.do(r), 431)

	r = httptest.NewRequest("GET", "/api/items/1", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "h2c")
	checkProblem(t, f.do(r), 400)
	if f.up.count() != 0 {
		t.Fatal("upstream reached")
	}
}

func TestUpstreamFailures(t *testing.T) {
	f := newFixture(t, "")
	checkProblem(t, f.do(httptest.NewRequest("GET", "/hang", nil)), 504)

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cfg, diags := config.Parse([]byte(fmt.Sprintf(baseConfig, "http://"+addr)), "down.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	gw, err := gateway.New(cfg, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, httptest.NewRequest("GET", "/api/items/1", nil))
	checkProblem(t, w, 502)
	if strings.Contains(w.Body.String(), addr) {
		t.Fatal("upstream address leaked")
	}
}

// A real server: the read-header timeout closes a connection whose client
// never finishes its headers (slowloris), and the gateway's own limit
// answers oversized headers with a problem document.
func TestServerTimeoutsAndLimits(t *testing.T) {
	up := httptest.NewServer(&recorder{})
	defer up.Close()
	cfg, diags := config.Parse([]byte(fmt.Sprintf(`
server:
  listen: 127.0.0.1:0
  max_header_bytes: 4096
  timeouts: {read_header: 100ms, shutdown: 2s}
upstreams:
  app: {url: %s}
routes:
  - {path: "/api/items/{id}", upstream: app, auth: none}
`, up.URL)), "srv.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	srv, err := gateway.NewServer(cfg, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	addr := ln.Addr().String()

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = conn.Write([]byte("GET /api/items/1 HTTP/1.1\r\nHost: x\r\nX-Slow: "))
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := conn.Read(make([]byte, 1))
	if n != 0 || err == nil {
		t.Fatalf("slow client got %d bytes, err %v; want the connection closed", n, err)
	}
	conn.Close()

	req, _ := http.NewRequest("GET", "http://"+addr+"/api/items/1", nil)
	req.Header.Set("X-Big", strings.Repeat("b", 5000))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 431 || res.Header.Get("Content-Type") != problem.ContentType {
		t.Fatalf("oversized header: %d %s", res.StatusCode, body)
	}

	// graceful shutdown drains an in-flight request
	slow := make(chan *http.Response, 1)
	c2, _ := net.Dial("tcp", addr)
	fmt.Fprint(c2, "GET /api/items/2 HTTP/1.1\r\nHost: x\r\n\r\n")
	go func() {
		res, _ := http.ReadResponse(bufio.NewReader(c2), nil)
		slow <- res
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if res := <-slow; res == nil || res.StatusCode != 200 {
		t.Fatalf("in-flight request not drained: %v", res)
	}
}

type panicTransport struct{}

func (panicTransport) RoundTrip(*http.Request) (*http.Response, error) {
	panic("secret internal state: db password=hunter2")
}

func TestPanicBecomesGeneric500(t *testing.T) {
	cfg, diags := config.Parse([]byte(fmt.Sprintf(baseConfig, "http://127.0.0.1:9")), "p.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var log bytes.Buffer
	gw, err := gateway.New(cfg, gateway.Options{Transport: panicTransport{}, Log: slog.New(slog.NewJSONHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, httptest.NewRequest("GET", "/api/items/1", nil))
	checkProblem(t, w, 500)
	if strings.Contains(w.Body.String(), "hunter2") || !strings.Contains(log.String(), "hunter2") || !strings.Contains(log.String(), "goroutine") {
		t.Fatalf("panic must reach the log only, with its stack: body %s", w.Body)
	}
}

// countingReader records how much of a body was read.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A caller without credentials cannot make the gateway read a chunked
// body: authentication refuses before any of it is buffered.
func TestChunkedBodyReadOnlyAfterAuthentication(t *testing.T) {
	const key = "upload-key-0123456789abcdef"
	yaml := `
server: {max_body_bytes: 4096}
upstreams:
  app: {url: %[1]s}
auth:
  apikey:
    keys:
      - {hash: "` + apikey.Hash(key) + `", subject: uploader}
routes:
  - {path: /upload, methods: [POST], upstream: app, auth: apikey}
`
	f := newLimitFixture(t, yaml, okUpstream(), "")
	tests := []struct {
		name     string
		key      string
		size     int
		status   int
		readsAll bool
	}{
		{"no credentials", "", 3000, http.StatusUnauthorized, false},
		{"wrong key", "wrong-key-0123456789abcdef", 3000, http.StatusUnauthorized, false},
		{"no credentials, oversized", "", 1 << 20, http.StatusUnauthorized, false},
		{"valid key", key, 3000, http.StatusOK, true},
		{"valid key, oversized", key, 8000, http.StatusRequestEntityTooLarge, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &countingReader{r: strings.NewReader(strings.Repeat("a", tt.size))}
			r := httptest.NewRequest("POST", "/upload", body)
			r.ContentLength = -1
			r.Header.Set("Content-Type", "application/octet-stream")
			if tt.key != "" {
				r.Header.Set("X-API-Key", tt.key)
			}
			w := httptest.NewRecorder()
			f.gw.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if (body.n == tt.size) != tt.readsAll {
				t.Fatalf("read %d of %d bytes", body.n, tt.size)
			}
			if tt.status == http.StatusUnauthorized && body.n != 0 {
				t.Fatalf("read %d bytes for an unauthenticated caller", body.n)
			}
		})
	}
}

// An upstream's 103 Early Hints neither reaches the client nor costs the
// response the headers the gateway set before proxying.
func TestInformationalUpstreamResponse(t *testing.T) {
	up := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Link", "</app.js>; rel=preload")
		w.Header().Set("X-Internal-Host", "db-7.internal")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("X-Internal-Host")
		fmt.Fprint(w, "ok")
	})
	f := newLimitFixture(t, "upstreams:\n  app: {url: %[1]s}\nroutes:\n  - {path: /a, upstream: app, auth: none}\n", up, "")
	w := f.from("192.0.2.1:1000", "GET", "/a", "")
	if w.Code != 200 || w.Body.String() != "ok" {
		t.Fatalf("status %d body %q", w.Code, w.Body)
	}
	h := w.Header()
	if h.Get("X-Request-Id") == "" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") == "" {
		t.Fatalf("gateway headers lost: %v", h)
	}
	if h.Get("X-Internal-Host") != "" {
		t.Fatalf("informational header leaked: %v", h)
	}
}

// es256Key makes an ES256 key pair and writes its JWKS to a file in a
// temporary folder, for an issuer's jwks_file.
func es256Key(t testing.TB) (*devtoken.KeyPair, string) {
	t.Helper()
	k, err := devtoken.Keygen(devtoken.ES256)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := k.WriteJWKS(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return k, path
}
