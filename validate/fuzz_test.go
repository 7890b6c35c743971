package validate_test

import (
	"encoding/json"
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

// FuzzResponseKeywords feeds arbitrary upstream bodies through filtering
// against schemas using prefixItems, patternProperties and
// unevaluatedProperties: password_hash, which none of them declares
// below the top level, never leaves there in a 200; and a case variant of
// a declared name never leaves beside extras the schema admits.
func FuzzResponseKeywords(f *testing.F) {
	f.Add("/api/pair", `{"pair":[{"id":1,"password_hash":"h"},{"label":"x"},{"password_hash":"h"}]}`)
	f.Add("/api/labels", `{"x-int-a":{"level":1,"password_hash":"h"},"u_1":{"password_hash":"h"}}`)
	f.Add("/api/profile", `{"id":1,"password_hash":"h"}`)
	f.Add("/api/settings", `{"beta":{"password_hash":1}}`)
	f.Add("/api/meta", `{"role":"user","Role":"admin","password_hash":"h"}`)
	v := newValidator(f, "testdata/keywords-3.1.yaml", validate.Config{})
	f.Fuzz(func(t *testing.T, path, body string) {
		switch path {
		case "/api/pair", "/api/labels", "/api/profile", "/api/settings", "/api/meta":
		default:
			return
		}
		w := httptest.NewRecorder()
		v.Handler(upstream(200, "application/json", body)).ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 200 {
			return
		}
		var value any
		if err := json.Unmarshal(w.Body.Bytes(), &value); err != nil {
			t.Fatalf("200 that is not JSON: %s", w.Body)
		}
		if path == "/api/meta" {
			if m, ok := value.(map[string]any); ok {
				for k := range m {
					if k != "role" && strings.EqualFold(k, "role") {
						t.Fatalf("case variant passed: %s", w.Body)
					}
				}
			}
			return
		}
		if path == "/api/settings" {
			// Its top level admits any name, each held to an object.
			if m, ok := value.(map[string]any); ok {
				for _, child := range m {
					if hasKey(child, "password_hash") {
						t.Fatalf("undeclared property passed: %s", w.Body)
					}
				}
			}
			return
		}
		if hasKey(value, "password_hash") {
			t.Fatalf("undeclared property passed: %s", w.Body)
		}
	})
}

func hasKey(v any, key string) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if k == key || hasKey(child, key) {
				return true
			}
		}
	case []any:
		for _, child := range v {
			if hasKey(child, key) {
				return true
			}
		}
	}
	return false
}
