package validate_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/validate"
)

// FuzzRequestBody feeds arbitrary bodies to a validated endpoint: the
// answer is a pass or a 4xx, never a panic or a 5xx.
func FuzzRequestBody(f *testing.F) {
	for _, tt := range requestCases {
		if len(tt.body) < 4096 {
			f.Add(tt.body)
		}
	}
	lim, _ := jsonlimits.New(jsonlimits.Config{})
	v := newValidator(f, "testdata/demo-openapi.yaml", validate.Config{RejectUnknownProperties: true, Limits: lim})
	h := v.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/signup", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
	})
}

// FuzzResponseFilter feeds arbitrary upstream bodies through filtering:
// never a panic, and password_hash never leaves in a 200.
func FuzzResponseFilter(f *testing.F) {
	f.Add(`{"id":1,"username":"ada","email":"a@x","role":"user","password_hash":"h"}`)
	f.Add(`[{"password_hash":"h"}]`)
	f.Add(`{"id":1,"password_hash":{"password_hash":1}}`)
	f.Add(`{"username":{"password_hash":1},"username":"ada"}`)
	v := newValidator(f, "testdata/demo-openapi.yaml", validate.Config{})
	f.Fuzz(func(t *testing.T, body string) {
		w := httptest.NewRecorder()
		v.Handler(upstream(200, "application/json", body)).ServeHTTP(w, httptest.NewRequest("GET", "/api/users/1", nil))
		if w.Code == 200 && strings.Contains(w.Body.String(), `"password_hash"`) {
			t.Fatalf("password_hash passed: %s", w.Body)
		}
	})
}
