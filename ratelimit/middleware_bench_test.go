package ratelimit_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/memory"
)

// generous never refuses within a benchmark run.
var generous = ratelimit.Limit{Rate: 1 << 31, Period: time.Hour, Burst: 1 << 31}

// BenchmarkMiddleware is the overhead of one IP policy on the memory
// store, headers included, over a handler that does nothing.
func BenchmarkMiddleware(b *testing.B) {
	for _, tc := range []struct {
		name     string
		policies []ratelimit.Policy
		headers  ratelimit.Headers
	}{
		{"ip", []ratelimit.Policy{{Key: "ip", Limit: generous}}, ""},
		{"ip-no-headers", []ratelimit.Policy{{Key: "ip", Limit: generous}}, ratelimit.HeadersNone},
		{"ip+subject-per-route", []ratelimit.Policy{{Key: "ip", Limit: generous}, {Key: "subject", PerRoute: true, Limit: generous}}, ""},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m, err := ratelimit.New(ratelimit.Config{Policies: tc.policies, Store: memory.Store{}, Headers: tc.headers})
			if err != nil {
				b.Fatal(err)
			}
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			r := httptest.NewRequest("GET", "/api/notes", nil)
			r, info := rampart.WithInfo(r)
			info.ClientIP = netip.MustParseAddr("2001:db8::7")
			info.Route = "/api/notes"
			info.Principal = &rampart.Principal{Subject: "alice"}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkLoopbackProxy compares a bare httputil.ReverseProxy with the
// same proxy behind a memory rate limit on every request, over loopback;
// compare the req/s metrics of the two sub-benchmarks of one run.
func BenchmarkLoopbackProxy(b *testing.B) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer upstream.Close()
	u, _ := url.Parse(upstream.URL)
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }}
	m, err := ratelimit.New(ratelimit.Config{Policies: []ratelimit.Policy{{Key: "ip", Limit: generous}}, Store: memory.Store{}})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"bare", proxy}, {"ratelimited", m.Handler(proxy)}} {
		b.Run(tc.name, func(b *testing.B) {
			front := httptest.NewServer(tc.h)
			defer front.Close()
			client := front.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			b.ReportAllocs()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(front.URL)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}
