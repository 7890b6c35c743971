package cors_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
	msg := err.Error()
	for _, want := range []string{`"*" together with allow_credentials`, `"null"`, "trailing slash", "scheme", `"https://*.com"`, `"https://a.*.example.com"`, "user info", `method "B@D"`, `header "*" with credentials`, "max_age"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "ok.example") {
		t.Error("valid origin reported")
	}
	if err := (cors.Config{AllowedOrigins: []string{"*"}}).Validate(); err != nil {
		t.Fatalf("* without credentials refused: %v", err)
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
	for _, s := range []string{"*", "null", "https://a.example", "https://*.a.example", "http://[::1]:8080", "https://a.example/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, origin string) {
		err := cors.Config{AllowedOrigins: []string{origin}, AllowCredentials: true}.Validate()
		if err == nil && (origin == "*" || origin == "null" || strings.ContainsAny(origin, "/?#") && strings.Count(origin, "/") > 2) {
			t.Fatalf("accepted %q", origin)
		}
	})
}
