package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// BenchmarkServerPipelineCore is BenchmarkPipelineCore through the
// server's handler, which also counts the request in flight on the
// configuration it runs.
func BenchmarkServerPipelineCore(b *testing.B) {
	cfg, diags := config.Parse([]byte(`
upstreams:
  app: {url: http://127.0.0.1:9}
cors:
  allowed_origins: [https://app.example.com]
  allow_credentials: true
routes:
  - {path: "/api/notes/{id}", upstream: app, auth: none}
`), "bench.yaml")
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	out := audit.NewBufferedWriter(io.Discard, time.Second)
	defer out.Close()
	srv, err := gateway.NewServer(cfg, gateway.Options{
		Transport: cannedTransport{body: []byte(`{"id":42,"title":"A note"}`)},
		Access:    audit.NewAccessLog(slog.NewJSONHandler(out, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Gateway().Close()
	h := srv.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: make(http.Header, 32)}
		for pb.Next() {
			r := httptest.NewRequest("GET", "/api/notes/42", nil)
			r.Header.Set("Origin", "https://app.example.com")
			clear(w.h)
			h.ServeHTTP(w, r)
		}
	})
}
