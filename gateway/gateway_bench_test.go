package gateway_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// cannedTransport answers every upstream request at once, so that the
// benchmark measures the gateway's own work.
type cannedTransport struct{ body []byte }

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode:    200,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)),
		Request:       r,
	}, nil
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func benchGateway(b *testing.B, yaml string, prepare func(*http.Request)) {
	cfg, opts := benchConfig(b, yaml)
	gw, err := gateway.New(cfg, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer gw.Close()
	runPipeline(b, gw, prepare)
}

// benchConfig parses yaml and returns options with the canned upstream
// and a buffered access log to nowhere, closed when b ends.
func benchConfig(b *testing.B, yaml string) (*config.Config, gateway.Options) {
	b.Helper()
	cfg, diags := config.Parse([]byte(yaml), "bench.yaml")
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	out := audit.NewBufferedWriter(io.Discard, time.Second)
	b.Cleanup(func() { out.Close() })
	return cfg, gateway.Options{
		Transport: cannedTransport{body: []byte(`{"id":42,"title":"A note"}`)},
		Access:    audit.NewJSONAccessLog(out),
	}
}

// runPipeline sends a CORS GET of one note through h on every core.
func runPipeline(b *testing.B, h http.Handler, prepare func(*http.Request)) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: make(http.Header, 32)}
		for pb.Next() {
			r := httptest.NewRequest("GET", "/api/notes/42", nil)
			r.Header.Set("Origin", "https://app.example.com")
			if prepare != nil {
				prepare(r)
			}
			clear(w.h)
			h.ServeHTTP(w, r)
		}
	})
}

// BenchmarkPipelineCore is the whole gateway pipeline (headers, CORS,
// request id, client IP, routing, access log, proxy) minus the network.
func BenchmarkPipelineCore(b *testing.B) {
	benchGateway(b, coreYAML, nil)
}

// BenchmarkPipelineCoreBrowser is BenchmarkPipelineCore with the dozen
// headers a browser sends with a fetch: the steps that walk the headers
// (header size, forwarding and identity headers, the upstream request's
// copy) cost by the header.
func BenchmarkPipelineCoreBrowser(b *testing.B) {
	benchGateway(b, coreYAML, browserHeaders)
}

// browserHeaders adds what Chrome sends with a cross-origin fetch.
func browserHeaders(r *http.Request) {
	for _, kv := range [][2]string{
		{"Accept", "application/json"}, {"Accept-Encoding", "gzip, deflate, br, zstd"}, {"Accept-Language", "en-GB,en;q=0.9"},
		{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
		{"Referer", "https://app.example.com/notes"}, {"Sec-Fetch-Dest", "empty"}, {"Sec-Fetch-Mode", "cors"}, {"Sec-Fetch-Site", "same-site"},
		{"Sec-Ch-Ua", `"Chromium";v="131", "Not_A Brand";v="24"`}, {"Sec-Ch-Ua-Mobile", "?0"}, {"Sec-Ch-Ua-Platform", `"Linux"`},
		{"Priority", "u=1, i"}, {"Cookie", "theme=dark; lang=en"},
	} {
		r.Header[kv[0]] = []string{kv[1]}
	}
}

// coreYAML is the core pipeline: headers, CORS and a public route.
const coreYAML = `
upstreams:
  app: {url: http://127.0.0.1:9}
cors:
  allowed_origins: [https://app.example.com]
  allow_credentials: true
routes:
  - {path: "/api/notes/{id}", upstream: app, auth: none}
`

// BenchmarkPipelineBareProxy is httputil.ReverseProxy alone on the same
// canned upstream: the baseline for BenchmarkPipelineCore.
func BenchmarkPipelineBareProxy(b *testing.B) {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: "http", Host: "127.0.0.1:9"})
			pr.SetXForwarded()
		},
		Transport: cannedTransport{body: []byte(`{"id":42,"title":"A note"}`)},
	}
	runPipeline(b, rp, nil)
}

// BenchmarkPipelineJWT adds ES256 verification (cached after the first
// use of each of 1,000 tokens), a role rule, identity forwarding and a
// memory rate limit by client IP that is never reached: the full chain.
func BenchmarkPipelineJWT(b *testing.B) {
	k, jwks := es256Key(b)
	tokens := make([]string, 1000)
	for i := range tokens {
		tokens[i], _ = devtoken.Mint(devtoken.MintConfig{Key: k, Subject: fmt.Sprint("user-", i), Roles: []string{"user"}, Audience: []string{"bench"}, Issuer: "https://bench.invalid/"})
	}
	var n atomic.Uint64
	cfg, opts := benchConfig(b, `
upstreams:
  app: {url: http://127.0.0.1:9}
cors:
  allowed_origins: [https://app.example.com]
  allow_credentials: true
auth:
  jwt:
    issuers:
      - {issuer: "https://bench.invalid/", audience: [bench], algorithms: [ES256], jwks_file: `+jwks+`}
rate_limits:
  store: memory
  default: [{key: ip, limit: 1000000, window: 1s}]
routes:
  - {path: "/api/notes/{id}", upstream: app, auth: jwt, roles: [user]}
`)
	gw, err := gateway.New(cfg, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer gw.Close()
	// Verify every token once so that the timed loop measures cache hits.
	w := &discardWriter{h: make(http.Header, 32)}
	for _, tok := range tokens {
		r := httptest.NewRequest("GET", "/api/notes/42", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		clear(w.h)
		gw.ServeHTTP(w, r)
	}
	runPipeline(b, gw, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+tokens[n.Add(1)%uint64(len(tokens))])
	})
}
