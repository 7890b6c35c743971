package gateway_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/internal/notedoc"
)

// Allocation budgets per request, counted by the gateway's own work: the
// request and recorder the test makes and the stub upstream's response
// are measured apart and subtracted. They are ceilings: lower them when
// the code gets cheaper, never raise them to make a change pass.
const (
	// coreAllocBudget is the core path: security headers, CORS, request
	// id, client IP, routing, access log, proxy. The bare
	// httputil.ReverseProxy costs 24 on the same harness; most of the
	// difference is the growth of net/http's header maps (the response's
	// to 32 slots, the upstream request's past 8 entries) and the Info.
	// Request ids and the traceparent of a new trace are cut from blocks
	// of them and cost none; the forwarding headers' values and bytes are
	// held by the Info.
	coreAllocBudget = 29
	// fullAllocBudget adds a cached ES256 token, a role rule and a
	// memory rate limit by client IP. The identity headers and the
	// RateLimit header take their values from the request's Info, the
	// memory store looks a known key up without making it a string, and
	// the token's cache key is computed without a copy.
	fullAllocBudget = 30
	// openAPIAllocBudget adds OpenAPI 3.0 validation of an integer path
	// parameter and filtering of the conforming JSON answer.
	openAPIAllocBudget = 35

	// coreByteBudget and fullByteBudget are the bytes allocated per
	// request (8,260 and 8,440 when set; the bare proxy with pooled copy
	// buffers, 2,950), the server's copy of the response header map
	// included. Most of the difference is net/http's: the response header
	// map grows twice to hold 17 headers or more (helmet's twelve, the
	// request id, CORS, the upstream's), about 2,200 bytes, and the
	// server copies it at WriteHeader, about 2,200 more. The Info and
	// its request are 960 bytes, the upstream request's header map
	// growing past eight entries 750. The headroom is for a rate-limit
	// window that rolls over while the test runs.
	coreByteBudget = 8400
	fullByteBudget = 8600
)

// stubUpstream answers every upstream request at once, with a fresh body
// and header each time, as a transport does.
type stubUpstream struct{}

var stubBody = []byte(`{"id":42,"owner":7,"title":"A note"}`)

func (stubUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	return stubResponse(r), nil
}

func stubResponse(r *http.Request) *http.Response {
	return &http.Response{
		StatusCode:    200,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(stubBody)),
		ContentLength: int64(len(stubBody)),
		Request:       r,
	}
}

// serverWriter starts each response with an empty header map and
// discards the body, as net/http's server does. (httptest.ResponseRecorder
// would add a copy of the header map at WriteHeader, which a server does
// not make.) With clone set it copies the header map at WriteHeader as
// net/http's server does for a handler that called Header: the copy is
// what the server writes, and it costs by the header.
type serverWriter struct {
	h     http.Header
	code  int
	clone bool
	sent  http.Header
}

func (w *serverWriter) Header() http.Header         { return w.h }
func (w *serverWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *serverWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
		if w.clone {
			w.sent = w.h.Clone()
		}
	}
}

// allocRequest is the request of the test: a cross-origin GET from a
// loopback peer, with the given Authorization value when not empty.
func allocRequest(authz string) *http.Request {
	h := http.Header{"Origin": {"https://app.example.com"}, "Accept": {"application/json"}}
	if authz != "" {
		h["Authorization"] = []string{authz}
	}
	return &http.Request{
		Method: "GET", URL: &url.URL{Path: "/api/notes/42"}, RequestURI: "/api/notes/42",
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Host: "api.example.com",
		RemoteAddr: "192.0.2.10:51234", Body: http.NoBody,
	}
}

// handlerAllocs returns the allocations per request of h, less those of
// making the request, the recorder and the stub upstream's response.
func handlerAllocs(t *testing.T, h http.Handler, authz func(i int) string) float64 {
	t.Helper()
	serve := func(i int, run bool) {
		w := &serverWriter{h: make(http.Header)}
		r := allocRequest(authz(i))
		if run {
			h.ServeHTTP(w, r)
			if w.code != 200 {
				t.Fatalf("status %d", w.code)
			}
		} else {
			_ = stubResponse(r)
		}
	}
	for i := range 64 { // warm pools, caches and rate-limit keys
		serve(i, true)
	}
	i := 0
	total := testing.AllocsPerRun(2000, func() { i++; serve(i, true) })
	harness := testing.AllocsPerRun(2000, func() { i++; serve(i, false) })
	return total - harness
}

// handlerBytes returns the bytes h allocates per request, less those of
// making the request, the writer and the stub upstream's response, with
// the response header map copied at WriteHeader as net/http's server
// does. The bytes per request set how often the collector runs under
// load, and so how many requests overlap a mark phase.
func handlerBytes(t *testing.T, h http.Handler, authz func(i int) string) float64 {
	t.Helper()
	const n = 2000
	serve := func(i int, run bool) {
		w := &serverWriter{h: make(http.Header), clone: true}
		r := allocRequest(authz(i))
		if run {
			h.ServeHTTP(w, r)
			if w.code != 200 {
				t.Fatalf("status %d", w.code)
			}
		} else {
			_ = stubResponse(r)
			w.WriteHeader(200)
		}
	}
	// One P and no collection while measuring: a collection empties the
	// pools, and their refills would land in one measurement or another.
	// Each request yields the P, as a server's requests do when they wait
	// for the network, so that the access log's writer runs when a batch
	// is full: left waiting, its buffer would grow by however many lines
	// the scheduler let pile up, a different number each run.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	measure := func(run bool) float64 {
		for i := range n { // warm pools, caches, rate-limit keys and log batches
			serve(i, run)
			runtime.Gosched()
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range n {
			serve(i, run)
			runtime.Gosched()
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / n
	}
	return measure(true) - measure(false)
}

// bufferPool is an httputil.BufferPool over a sync.Pool.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.p.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

func allocGateway(t testing.TB, yaml string) *gateway.Gateway {
	t.Helper()
	cfg, diags := config.Parse([]byte(yaml), filepath.Join(t.TempDir(), "rampart.yaml"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out := audit.NewBufferedWriter(io.Discard, 1<<40)
	t.Cleanup(func() { out.Close() })
	gw, err := gateway.New(cfg, gateway.Options{Transport: stubUpstream{}, Access: audit.NewJSONAccessLog(out)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	return gw
}

func noAuth(int) string { return "" }

func TestAllocationsPerRequest(t *testing.T) {
	if raceEnabled {
		// The race detector's sync.Pool drops a share of what is put
		// back, so the counts it gives are not the program's; .ci/run
		// holds the budgets in a normal build.
		t.Skip("allocation counts under the race detector are not the program's")
	}
	bareProxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: "http", Host: "127.0.0.1:9"})
			pr.SetXForwarded()
		},
		Transport: stubUpstream{},
	}
	bare := handlerAllocs(t, bareProxy, noAuth)

	coreGW := allocGateway(t, allocCoreYAML)
	core := handlerAllocs(t, coreGW, noAuth)

	k, jwks := es256Key(t)
	tokens := make([]string, 32)
	for i := range tokens {
		var err error
		if tokens[i], err = devtoken.Mint(devtoken.MintConfig{Key: k, Subject: fmt.Sprint("user-", i), Roles: []string{"user"}, Audience: []string{"api"}, Issuer: "https://id.example/"}); err != nil {
			t.Fatal(err)
		}
	}
	bearer := func(i int) string { return "Bearer " + tokens[i%len(tokens)] }
	fullGW := allocGateway(t, fmt.Sprintf(allocFullYAML, "", jwks))
	full := handlerAllocs(t, fullGW, bearer)

	doc := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(doc, notedoc.Document("3.0.3"), 0o600); err != nil {
		t.Fatal(err)
	}
	openAPI := handlerAllocs(t, allocGateway(t, fmt.Sprintf(allocFullYAML, ", openapi: "+doc, jwks)), bearer)

	t.Logf("allocations per request: bare proxy %.0f, core %.0f, full chain %.0f, with OpenAPI %.0f", bare, core, full, openAPI)
	// The bare proxy's copy buffers are pooled, as the gateway's are:
	// otherwise each request allocates a 32 KiB one.
	pooledBare := *bareProxy
	pooledBare.BufferPool = &bufferPool{}
	bareBytes, coreBytes, fullBytes := handlerBytes(t, &pooledBare, noAuth), handlerBytes(t, coreGW, noAuth), handlerBytes(t, fullGW, bearer)
	t.Logf("bytes per request: bare proxy %.0f, core %.0f, full chain %.0f", bareBytes, coreBytes, fullBytes)
	if coreBytes > coreByteBudget {
		t.Errorf("core path: %.0f bytes per request, budget %d", coreBytes, coreByteBudget)
	}
	if fullBytes > fullByteBudget {
		t.Errorf("full chain: %.0f bytes per request, budget %d", fullBytes, fullByteBudget)
	}
	if core > coreAllocBudget {
		t.Errorf("core path: %.0f allocations per request, budget %d", core, coreAllocBudget)
	}
	if full > fullAllocBudget {
		t.Errorf("full chain: %.0f allocations per request, budget %d", full, fullAllocBudget)
	}
	if openAPI > openAPIAllocBudget {
		t.Errorf("full chain with OpenAPI: %.0f allocations per request, budget %d", openAPI, openAPIAllocBudget)
	}
}

const allocCoreYAML = `
upstreams:
  app: {url: http://127.0.0.1:9}
cors:
  allowed_origins: [https://app.example.com]
  allow_credentials: true
routes:
  - {path: "/api/notes/{id}", methods: [GET], upstream: app, auth: none}
`

// allocFullYAML is the full chain; its first verb completes the
// upstream (", openapi: PATH" for the OpenAPI case), its second is the
// JWKS file.
const allocFullYAML = `
upstreams:
  app: {url: http://127.0.0.1:9%s}
cors:
  allowed_origins: [https://app.example.com]
  allow_credentials: true
auth:
  jwt:
    issuers:
      - {issuer: "https://id.example/", audience: [api], algorithms: [ES256], jwks_file: %s}
rate_limits:
  store: memory
  default: [{key: ip, limit: 1000000, window: 1s}]
routes:
  - {path: "/api/notes/{id}", methods: [GET], upstream: app, auth: jwt, roles: [user]}
`
