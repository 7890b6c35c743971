package cors

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// Requests that are not preflights get exactly the headers rs/cors's own
// handler would give them, whatever the policy, method, origin or Vary
// already set.
func TestActualRequestsAsRSCors(t *testing.T) {
	configs := []Config{
		{AllowedOrigins: []string{"https://app.example.com", "https://*.tenant.example.com"}, AllowedMethods: []string{"GET", "POST"}, AllowCredentials: true},
		{AllowedOrigins: []string{"*"}, ExposedHeaders: []string{"x-request-id", "RateLimit"}},
		{AllowedOrigins: []string{"https://APP.example.com"}, ExposedHeaders: []string{"etag"}, AllowCredentials: true},
		{AllowedOrigins: []string{"http://localhost:3000"}, AllowedMethods: []string{"get", "PATCH"}},
		{AllowedOrigins: []string{"https://BÜCHER.example", "https://app.example.com", "*"}},
		{AllowedOrigins: []string{"https://bücher.example", "https://*.example.com"}, AllowCredentials: true},
	}
	origins := [][]string{
		nil, {""}, {"https://app.example.com"}, {"https://APP.EXAMPLE.COM"}, {"https://evil.example"},
		{"https://a.tenant.example.com"}, {"https://tenant.example.com"}, {"null"}, {"http://localhost:3000"},
		{"https://app.example.com", "https://evil.example"}, {"https://evil.example", "https://app.example.com"},
		{"", "https://app.example.com"}, {"https://app.example.com "}, {" https://app.example.com"},
		{"https://app.example.com.evil.example"}, {"https://app.example.com:443"}, {"HTTPS://app.example.com"},
		{"https://app.example.com\x00"}, {"https://app.example.com/"}, {"https://bücher.example"}, {"https://BÜCHER.example"},
		{"https://app.example.cOm"}, {"https://app.example.co"}, {"https://xn--bcher-kva.example"},
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "get", "DELETE", "OPTIONS"}
	for ci, cfg := range configs {
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("X-Reached", "1") })
		ours, theirs := p.Handler(next), p.c.Handler(next)
		for _, m := range methods {
			for _, o := range origins {
				for _, vary := range [][]string{nil, {"Accept-Encoding"}} {
					name := fmt.Sprintf("config %d %s %q vary %q", ci, m, o, vary)
					serve := func(h http.Handler) http.Header {
						r := httptest.NewRequest(m, "/x", nil)
						if o != nil {
							r.Header["Origin"] = append([]string(nil), o...)
						}
						w := httptest.NewRecorder()
						if vary != nil {
							w.Header()["Vary"] = append([]string(nil), vary...)
						}
						h.ServeHTTP(w, r)
						return w.Header()
					}
					if got, want := serve(ours), serve(theirs); !reflect.DeepEqual(got, want) {
						t.Errorf("%s: headers\n%v\nrs/cors gives\n%v", name, got, want)
					}
				}
			}
		}
	}
}
