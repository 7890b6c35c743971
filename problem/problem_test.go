package problem_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/problem"
)

func TestWrite(t *testing.T) {
	secret := errors.New("dial tcp 10.1.2.3:5432: password authentication failed for user admin")
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantTitle  string
		wantHeader map[string]string
	}{
		{"plain error is a generic 500", secret, 500, "Internal Server Error", nil},
		{"wrapped problem keeps its status", fmt.Errorf("route: %w", problem.New(404, "no route")), 404, "Not Found", nil},
		{"problem with cause hides cause", problem.Wrap(502, secret), 502, "Bad Gateway", nil},
		{"headers pass", problem.New(405, "method").WithHeader("Allow", "GET, HEAD"), 405, "Method Not Allowed", map[string]string{"Allow": "GET, HEAD"}},
		{"status out of range", &problem.Error{Status: 200, Detail: "leak"}, 500, "Internal Server Error", nil},
		{"custom title", &problem.Error{Status: 429, Title: "Too many requests", Detail: "Try later."}, 429, "Too many requests", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r, info := rampart.WithInfo(r)
			info.RequestID = "req-1"
			w := httptest.NewRecorder()
			problem.Write(w, r, tt.err)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if ct := w.Header().Get("Content-Type"); ct != problem.ContentType {
				t.Fatalf("Content-Type = %q", ct)
			}
			var got map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if got["title"] != tt.wantTitle || got["status"] != float64(tt.wantStatus) || got["request_id"] != "req-1" || got["type"] != "about:blank" {
				t.Fatalf("body = %v", got)
			}
			for _, leak := range []string{"10.1.2.3", "password", "leak", "route:"} {
				if strings.Contains(w.Body.String(), leak) {
					t.Fatalf("body leaks %q: %s", leak, w.Body)
				}
			}
			for k, v := range tt.wantHeader {
				if w.Header().Get(k) != v {
					t.Fatalf("%s = %q, want %q", k, w.Header().Get(k), v)
				}
			}
		})
	}
}

func TestWriteHeadHasNoBody(t *testing.T) {
	w := httptest.NewRecorder()
	problem.Write(w, httptest.NewRequest("HEAD", "/", nil), problem.New(404, "x"))
	if w.Code != 404 || w.Body.Len() != 0 {
		t.Fatalf("HEAD: %d %q", w.Code, w.Body)
	}
}

func TestFieldErrorsRendered(t *testing.T) {
	w := httptest.NewRecorder()
	problem.Write(w, httptest.NewRequest("POST", "/", nil), &problem.Error{
		Status: 400,
		Errors: []problem.FieldError{{Pointer: "/email", Detail: "must be an email"}},
	})
	if !strings.Contains(w.Body.String(), `"errors":[{"pointer":"/email","detail":"must be an email"}]`) {
		t.Fatalf("body = %s", w.Body)
	}
}

func ExampleWrite() {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/admin", nil)
	problem.Write(w, r, problem.New(http.StatusForbidden, "role missing"))
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Println(w.Body.String())
	// Output:
	// 403 application/problem+json
	// {"type":"about:blank","title":"Forbidden","status":403}
}
