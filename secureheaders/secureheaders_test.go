package secureheaders_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/secureheaders"
)

func ptr(s string) *string { return &s }

// TestHelmetByteForByte compares against headers measured from helmet
// 8.3.0's helmet() with no options.
func TestHelmetByteForByte(t *testing.T) {
	raw, err := os.ReadFile("testdata/helmet-8.3.0.txt")
	if err != nil {
		t.Fatal(err)
	}
	h, err := secureheaders.New(secureheaders.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		want[http.CanonicalHeaderKey(name)] = value
	}
	if len(want) != 12 {
		t.Fatalf("read %d headers", len(want))
	}
	for name, value := range want {
		if got := w.Header().Values(name); len(got) != 1 || got[0] != value {
			t.Errorf("%s = %q, want %q", name, got, value)
		}
	}
	if len(w.Header()) != len(want) {
		t.Errorf("sent %d headers, want exactly %d: %v", len(w.Header()), len(want), w.Header())
	}
}

func TestProfilesAndOverrides(t *testing.T) {
	tests := []struct {
		name   string
		cfg    secureheaders.Config
		want   map[string]string
		absent []string
	}{
		{"api profile", secureheaders.Config{Profile: "api"}, map[string]string{
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
			"Cache-Control":           "no-store",
			"X-Frame-Options":         "DENY",
		}, nil},
		{"override and remove", secureheaders.Config{Set: map[string]*string{
			"x-frame-options":           ptr("DENY"),
			"Strict-Transport-Security": nil,
			"X-Custom":                  ptr("1"),
		}}, map[string]string{"X-Frame-Options": "DENY", "X-Custom": "1"}, []string{"Strict-Transport-Security"}},
		{"none", secureheaders.Config{Profile: "none"}, nil, []string{"Content-Security-Policy", "X-Frame-Options"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := secureheaders.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.Handler(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			hdr := w.Header()
			for k, v := range tt.want {
				if hdr.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, hdr.Get(k), v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := hdr[k]; ok {
					t.Errorf("%s present", k)
				}
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := secureheaders.New(secureheaders.Config{Profile: "helmut", Set: map[string]*string{
		"Bad Name": ptr("x"),
		"X-Ok":     ptr("line\r\nInjected: 1"),
	}})
	if !errors.Is(err, secureheaders.ErrBadConfig) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{`"helmut"`, `"Bad Name"`, "X-Ok"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %s in %v", want, err)
		}
	}
}

func TestScrub(t *testing.T) {
	h, _ := secureheaders.New(secureheaders.Config{Profile: "api", Set: map[string]*string{"X-Debug": nil}})
	client := http.Header{}
	h.Apply(client)
	upstream := http.Header{
		"Server":                  {"nginx/1.18.0"},
		"X-Powered-By":            {"Express"},
		"X-Frame-Options":         {"ALLOWALL"},
		"Content-Security-Policy": {"default-src *"},
		"Cache-Control":           {"max-age=60"},
		"X-Debug":                 {"sql=select"},
		"Content-Type":            {"application/json"},
	}
	h.Scrub(upstream)
	for _, k := range []string{"Server", "X-Powered-By", "X-Frame-Options", "Content-Security-Policy", "X-Debug"} {
		if _, ok := upstream[k]; ok {
			t.Errorf("upstream %s kept", k)
		}
	}
	if upstream.Get("Cache-Control") != "max-age=60" || client.Get("Cache-Control") != "" {
		t.Errorf("Cache-Control: upstream %q client %q; the upstream's must win", upstream.Get("Cache-Control"), client.Get("Cache-Control"))
	}
	bare := http.Header{}
	h.Scrub(bare)
	if bare.Get("Cache-Control") != "no-store" {
		t.Errorf("default Cache-Control not added: %v", bare)
	}
	if upstream.Get("Content-Type") != "application/json" {
		t.Error("unrelated header removed")
	}
}

// TestScrubEveryName gives the upstream response a copy of every header
// the helmet policy enforces and every header naming the server: none
// survives, whatever else the response holds.
func TestScrubEveryName(t *testing.T) {
	h, err := secureheaders.New(secureheaders.Config{Set: map[string]*string{"X-Debug": nil}})
	if err != nil {
		t.Fatal(err)
	}
	names := append(h.Names(), "Server", "X-Powered-By", "X-Aspnet-Version", "X-Aspnetmvc-Version", "X-Runtime", "X-Generator", "X-Debug")
	upstream := http.Header{"Content-Type": {"application/json"}, "Etag": {`"1"`}}
	for _, n := range names {
		upstream[n] = []string{"upstream"}
	}
	h.Scrub(upstream)
	for _, n := range names {
		if _, ok := upstream[n]; ok {
			t.Errorf("upstream %s kept", n)
		}
	}
	if len(upstream) != 2 {
		t.Errorf("Scrub left %v, want Content-Type and Etag", upstream)
	}

	var zero secureheaders.Headers
	upstream = http.Header{"Server": {"nginx"}, "X-Runtime": {"0.1"}, "Content-Type": {"text/plain"}}
	zero.Scrub(upstream)
	if len(upstream) != 1 || upstream.Get("Content-Type") != "text/plain" {
		t.Errorf("zero Headers: Scrub left %v, want Content-Type alone", upstream)
	}
}

func ExampleNew() {
	h, err := secureheaders.New(secureheaders.Config{Profile: secureheaders.ProfileAPI, Set: map[string]*string{"Permissions-Policy": nil}})
	if err != nil {
		panic(err)
	}
	fmt.Print(h.String())
	// Output:
	// Content-Security-Policy: default-src 'none'; frame-ancestors 'none'
	// Cross-Origin-Opener-Policy: same-origin
	// Cross-Origin-Resource-Policy: same-origin
	// Origin-Agent-Cluster: ?1
	// Referrer-Policy: no-referrer
	// Strict-Transport-Security: max-age=31536000; includeSubDomains
	// X-Content-Type-Options: nosniff
	// X-Dns-Prefetch-Control: off
	// X-Download-Options: noopen
	// X-Frame-Options: DENY
	// X-Permitted-Cross-Domain-Policies: none
	// X-Xss-Protection: 0
	// Cache-Control: no-store
}

func BenchmarkApply(b *testing.B) {
	h, _ := secureheaders.New(secureheaders.Config{})
	hdr := make(http.Header, 16)
	b.ReportAllocs()
	for b.Loop() {
		h.Apply(hdr)
	}
}
