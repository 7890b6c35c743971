package admin_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart/admin"
)

// A feature mounts its own page on the admin listener with Handle; it
// sits behind the same token as /metrics and /readyz.
func ExampleServer_Handle() {
	s := admin.New(admin.Options{
		Token: "correct-horse-battery-staple",
		Ready: func(context.Context) error { return errors.New("auth.jwt issuer https://id.example: no keys yet") },
	})
	s.Handle("GET /console/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "console\n")
	}))

	for _, token := range []string{"", "correct-horse-battery-staple"} {
		for _, path := range []string{"/console/", "/readyz"} {
			req := httptest.NewRequest("GET", path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			fmt.Printf("%s token=%v: %d %s", path, token != "", rec.Code, firstLine(rec.Body.String()))
		}
	}
	// Output:
	// /console/ token=false: 401 {"type":"about:blank","title":"Unauthorized","status":401}
	// /readyz token=false: 503 not ready
	// /console/ token=true: 200 console
	// /readyz token=true: 503 not ready: auth.jwt issuer https://id.example: no keys yet
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i+1]
		}
	}
	return s + "\n"
}
