package gateway

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart-api/rampart/config"
)

// benchUpstream answers like the demo API: a note with one property the
// document does not declare, so filtering has work to do.
func benchUpstream() http.Handler {
	note := []byte(`{"id":42,"owner":7,"title":"A note","body":"Some text that an API would return, about a hundred bytes long.","internal_flags":3}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		_, _ = w.Write(note)
	})
}

const benchConfig = `
server: {max_body_bytes: 65536}
upstreams:
  app:
    url: %s
%s
routes:
  - path: /api/users/{uid}/notes
    methods: [POST]
    upstream: app
    auth: none
%s
  - path: /api/users/{uid}/notes/{id}
    methods: [GET]
    upstream: app
    auth: none
%s
`

// benchNoteBody is a 1 KB note, the size of a typical JSON request.
var benchNoteBody = fmt.Sprintf(`{"title":"Meeting notes","body":%q}`, bytes.Repeat([]byte("lorem ipsum "), 80))

// BenchmarkLoopback compares, over real loopback connections, a bare
// httputil.ReverseProxy with the gateway without a document (structural
// limits only), with request validation and response filtering, and with
// the WAF. Compare ns/op between sub-benchmarks of one run; go test
// -bench Loopback -cpu 2.
func BenchmarkLoopback(b *testing.B) {
	up := httptest.NewServer(benchUpstream())
	defer up.Close()
	target, _ := url.Parse(up.URL)
	doc, err := os.ReadFile("../examples/demo/openapi.yaml")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), doc, 0o600); err != nil {
		b.Fatal(err)
	}
	const (
		openapi = "    openapi: ./openapi.yaml\n    validation: {requests: enforce, responses: filter, inventory: enforce}"
		wafOn   = "    waf: {enabled: true, paranoia: 1}"
	)
	fronts := []struct {
		name     string
		upstream string
		waf      string
	}{
		{"bare", "", ""},
		{"limits", "", ""},
		{"validation", openapi, ""},
		{"waf", "", wafOn},
		{"validation+waf", openapi, wafOn},
	}
	for _, f := range fronts {
		var h http.Handler
		if f.name == "bare" {
			h = &httputil.ReverseProxy{
				Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.SetXForwarded() },
				Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256, IdleConnTimeout: time.Minute},
			}
		} else {
			file := filepath.Join(dir, f.name+".yaml")
			if err := os.WriteFile(file, fmt.Appendf(nil, benchConfig, up.URL, f.upstream, f.waf, f.waf), 0o600); err != nil {
				b.Fatal(err)
			}
			cfg, diags := config.Load(file)
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			gw, err := New(cfg, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer gw.Close()
			h = gw
		}
		front := httptest.NewServer(h)
		defer front.Close()
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256, IdleConnTimeout: time.Minute}}
		for _, req := range []struct {
			name, method, path, body string
			status                   int
		}{
			{"GET", "GET", "/api/users/7/notes/42", "", 200},
			{"POST1KB", "POST", "/api/users/7/notes", benchNoteBody, 201},
		} {
			b.Run(f.name+"/"+req.name, func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						var body io.Reader
						if req.body != "" {
							body = bytes.NewReader([]byte(req.body))
						}
						r, _ := http.NewRequest(req.method, front.URL+req.path, body)
						if body != nil {
							r.Header.Set("Content-Type", "application/json")
						}
						res, err := client.Do(r)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != req.status {
							b.Fatalf("status %d", res.StatusCode)
						}
					}
				})
			})
		}
	}
}
