package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.WriteHeader(http.StatusOK)
		case "/redirect":
			http.Redirect(w, r, "/healthz", http.StatusFound)
		case "/slow":
			<-r.Context().Done()
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"healthy", []string{srv.URL + "/healthz"}, 0, "healthy"},
		{"unhealthy", []string{srv.URL + "/readyz"}, 1, "answered 503"},
		{"redirect is not health", []string{srv.URL + "/redirect"}, 1, "answered 302"},
		{"nobody listening", []string{closedURL + "/healthz"}, 1, "healthcheck:"},
		{"hangs past the timeout", []string{"--timeout", "200ms", srv.URL + "/slow"}, 1, "deadline exceeded"},
		{"credentials in the URL are not echoed", []string{"http://admin:hunter2@" + strings.TrimPrefix(srv.URL, "http://") + "/readyz"}, 1, "answered 503"},
		{"not http", []string{"file:///etc/passwd"}, 2, "must be http"},
		{"no host", []string{"http:///healthz"}, 2, "must be http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := execute(append([]string{"healthcheck"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, out, tt.code, tt.want)
			}
			if strings.Contains(out, "hunter2") {
				t.Errorf("password echoed: %q", out)
			}
		})
	}
}
