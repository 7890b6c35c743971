package cors_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/rampart-api/rampart/cors"
)

func policy(t *testing.T) http.Handler {
	t.Helper()
	c, err := cors.New(cors.Config{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.tenant.example.com"},
		AllowedMethods:   []string{"GET", "POST"},
		AllowedHeaders:   []string{"Authorization", "Content-Type"},
		AllowCredentials: true,
		MaxAge:           10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Reached", "1")
	}))
}

func TestPolicy(t *testing.T) {
	h := policy(t)
	tests := []struct {
		name        string
		method      string
		origin      string
		reqMethod   string
		wantAllow   string
		wantReached bool
		wantStatus  int
	}{
		{"listed origin", "GET", "https://app.example.com", "", "https://app.example.com", true, 200},
		{"listed origin, other case", "GET", "https://APP.example.com", "", "https://APP.example.com", true, 200},
		{"evil origin", "GET", "https://evil.example", "", "", true, 200},
		{"suffix trick", "GET", "https://app.example.com.evil.example", "", "", true, 200},
		{"prefix trick", "GET", "https://evilapp.example.com", "", "", true, 200},
		{"null origin", "GET", "null", "", "", true, 200},
		{"http downgrade", "GET", "http://app.example.com", "", "", true, 200},
		{"wildcard subdomain", "GET", "https://a.tenant.example.com", "", "https://a.tenant.example.com", true, 200},
		{"wildcard apex is not a subdomain", "GET", "https://tenant.example.com", "", "", true, 200},
		{"no origin", "GET", "", "", "", true, 200},
		{"preflight allowed", "OPTIONS", "https://app.example.com", "POST", "https://app.example.com", false, 204},
		{"preflight evil", "OPTIONS", "https://evil.example", "POST", "", false, 204},
		{"preflight disallowed method", "OPTIONS", "https://app.example.com", "DELETE", "", false, 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/api/x", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.reqMethod != "" {
				r.Header.Set("Access-Control-Request-Method", tt.reqMethod)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Fatalf("Allow-Origin = %q, want %q", got, tt.wantAllow)
			}
			if (w.Header().Get("X-Reached") == "1") != tt.wantReached {
				t.Fatalf("reached handler = %v", !tt.wantReached)
			}
			if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Origin") {
				t.Fatalf("no Vary: Origin: %v", w.Header())
			}
			if tt.wantAllow != "" && w.Header().Get("Access-Control-Allow-Credentials") != "true" {
				t.Fatal("credentials not allowed")
			}
			if tt.wantAllow == "" && w.Header().Get("Access-Control-Allow-Credentials") != "" {
				t.Fatal("credentials header for a refused origin")
			}
		})
	}
}

func TestPreflightMaxAge(t *testing.T) {
	r := httptest.NewRequest("OPTIONS", "/", nil)
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "authorization")
	w := httptest.NewRecorder()
	policy(t).ServeHTTP(w, r)
	if w.Header().Get("Access-Control-Max-Age") != "600" || !strings.Contains(strings.ToLower(w.Header().Get("Access-Control-Allow-Headers")), "authorization") {
		t.Fatalf("headers %v", w.Header())
	}
}

func TestValidate(t *testing.T) {
	err := cors.Config{
		AllowedOrigins:   []string{"*", "null", "https://app.example.com/", "ftp://x.example", "https://*.com", "https://a.*.example.com", "https://user@x.example", "https://ok.example"},
		AllowedMethods:   []string{"GET", "B@D"},
		AllowedHeaders:   []string{"*"},
		AllowCredentials: true,
		MaxAge:           48 * time.Hour,
	}.Validate()
	if !errors.Is(err, cors.ErrBadConfig) {
		t.Fatalf("err = %v", err)
	}
	var oe *cors.OriginError
	if !errors.As(err, &oe) {
		t.Fatal("no OriginError")
	}
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *cors.ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *cors.ConfigError", e)
		}
		fields = append(fields, ce.Field)
	}
	want := []string{"AllowedOrigins[0]", "AllowedOrigins[1]", "AllowedOrigins[2]", "AllowedOrigins[3]", "AllowedOrigins[4]", "AllowedOrigins[5]", "AllowedOrigins[6]", "AllowedMethods[1]", "AllowedHeaders[0]", "MaxAge"}
	if strings.Join(fields, " ") != strings.Join(want, " ") {
		t.Errorf("fields = %v, want %v (the valid origin ok.example is index 7)", fields, want)
	}
	if err := (cors.Config{AllowedOrigins: []string{"*"}}).Validate(); err != nil {
		t.Fatalf("* without credentials refused: %v", err)
	}
}

func TestWildcardOrigins(t *testing.T) {
	tests := []struct {
		origin string
		reason string // "" when accepted
	}{
		{"https://*.example.com", ""},
		{"https://*.tenant.example.com", ""},
		{"https://*.example.co.uk", ""},
		{"https://*.Example.COM", ""},
		{"https://*.example.com:8443", ""},
		{"https://*.myapp.github.io", ""},
		{"http://*.internal.corp", ""},
		{"https://*.com", "public suffix"},
		{"https://*.COM", "public suffix"},
		{"https://*.co.uk", "public suffix"},
		{"https://*.github.io", "public suffix"},
		{"https://*.blogspot.com", "public suffix"},
		{"https://*.s3.amazonaws.com", "public suffix"},
		{"https://*.kawasaki.jp", "subdomains of \"kawasaki.jp\" are public suffixes"},
		{"https://*.compute.amazonaws.com", "are public suffixes"},
		{"https://*.anything.kawasaki.jp", "public suffix"},
		{"https://*.city.kawasaki.jp", ""},
		{"https://*.app.anything.kawasaki.jp", ""},
		{"https://*.xn--p1ai", "public suffix"},
		{"https://*.localhost", "public suffix"},
		{"https://*.co.uk:443", "public suffix"},
		{"https://*.1.2.3.4", "not a DNS name"},
		{"https://*.a.0x7f", "not a DNS name"},
		{"https://*.bücher.de", "not a DNS name"},
		{"https://*.example.com.", "not a DNS name"},
		{"https://*..example.com", "not a DNS name"},
		{"https://*.-x.example.com", "not a DNS name"},
		{"https://*.ex_ample.com", "not a DNS name"},
		{"https://*.example.com*", "may only stand for subdomains"},
		{"https://**.example.com", "may only stand for subdomains"},
		{"https://*example.com", "may only stand for subdomains"},
		{"https://a.*.example.com", "may only stand for subdomains"},
		{"https://*", "may only stand for subdomains"},
		{"https://*.", "not a DNS name"},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			err := cors.Config{AllowedOrigins: []string{tt.origin}}.Validate()
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if _, err := cors.New(cors.Config{AllowedOrigins: []string{tt.origin}}); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			var oe *cors.OriginError
			if !errors.As(err, &oe) || !errors.Is(err, cors.ErrBadConfig) {
				t.Fatalf("err = %v, want an OriginError", err)
			}
			if oe.Value != tt.origin || !strings.Contains(oe.Reason, tt.reason) {
				t.Fatalf("got %+v, want reason %q", oe, tt.reason)
			}
		})
	}
}

// A wildcard over a public suffix would hand the policy to whoever
// registers a name there; the refused configuration never compiles.
func TestPublicSuffixWildcardNeverCompiles(t *testing.T) {
	c, err := cors.New(cors.Config{AllowedOrigins: []string{"https://*.github.io"}, AllowCredentials: true})
	if err == nil || c != nil {
		t.Fatalf("compiled: %v", err)
	}
	if !strings.Contains(err.Error(), `"github.io" is a public suffix`) {
		t.Fatalf("err = %v", err)
	}
}

func TestZeroPolicyPassesThrough(t *testing.T) {
	c, err := cors.New(cors.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Origin", "https://evil.example")
	w := httptest.NewRecorder()
	c.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Header().Get("Access-Control-Allow-Origin") != "" || c.Enabled() {
		t.Fatal("zero policy allowed an origin")
	}
}

func TestStrip(t *testing.T) {
	h := http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Credentials": {"true"}, "Content-Type": {"x"}}
	cors.Strip(h)
	if len(h) != 1 {
		t.Fatalf("left %v", h)
	}
}

func FuzzValidateOrigin(f *testing.F) {
	for _, s := range []string{"*", "null", "https://a.example", "https://*.a.example", "http://[::1]:8080", "https://a.example/",
		"https://*.co.uk", "https://*.example.co.uk", "https://*.github.io", "https://*.1.2.3.4", "https://*.EXAMPLE.com:8443"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, origin string) {
		err := cors.Config{AllowedOrigins: []string{origin}, AllowCredentials: true}.Validate()
		if err == nil && (origin == "*" || origin == "null" || strings.ContainsAny(origin, "/?#") && strings.Count(origin, "/") > 2) {
			t.Fatalf("accepted %q", origin)
		}
		if err == nil && strings.Contains(origin, "*.") {
			host := origin[strings.Index(origin, "*.")+2:]
			if i := strings.LastIndexByte(host, ':'); i >= 0 {
				host = host[:i]
			}
			host = strings.ToLower(host)
			if ps, _ := publicsuffix.PublicSuffix(host); ps == host {
				t.Fatalf("accepted a wildcard over the public suffix %q", host)
			}
		}
	})
}
