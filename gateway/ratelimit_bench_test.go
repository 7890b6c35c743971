package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkRouteLimits measures a request through the gateway to a
// loopback upstream with and without a memory rate limit and concurrency
// caps on the route: the difference is what the limits cost.
func BenchmarkRouteLimits(b *testing.B) {
	for _, bc := range []struct{ name, limits string }{
		{"none", ""},
		{"ip-limit", "rate_limits: {default: [{key: ip, limit: 1000000000, window: 1h}]}\n"},
		{"ip-limit+caps", "rate_limits: {default: [{key: ip, limit: 1000000000, window: 1h}], concurrency: {per_upstream: 1000000, per_client: 1000000}}\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			yaml := "upstreams:\n  app: {url: %[1]s}\nroutes:\n  - {path: /a, upstream: app, auth: none}\nlog: {access: \"off\"}\n" + bc.limits
			f := newLimitFixture(b, yaml, okUpstream(), "")
			r := httptest.NewRequest(http.MethodGet, "/a", nil)
			r.RemoteAddr = "192.0.2.1:1234"
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				f.gw.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
