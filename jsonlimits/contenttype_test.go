package jsonlimits_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/jsonlimits"
)

func jsonValid(b []byte) bool { return json.Valid(b) }

func TestHandler(t *testing.T) {
	l, err := jsonlimits.New(jsonlimits.Config{MaxDepth: 4, MaxBody: 64})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		pointer     string
	}{
		{"JSON passes", "application/json", `{"a":[1,2]}`, 200, ""},
		{"problem+json suffix is JSON", "application/merge-patch+json; charset=utf-8", `{"a":1}`, 200, ""},
		{"form passes", "application/x-www-form-urlencoded", "a=1&b=two", 200, ""},
		{"JSON declared, form sent", "application/json", "a=1&b=2", 400, ""},
		{"form declared, JSON sent", "application/x-www-form-urlencoded", `{"role":"admin"}`, 415, ""},
		{"text/plain carrying JSON (CSRF shape)", "text/plain", `{"role":"admin"}`, 415, ""},
		{"no content type", "", `{"a":1}`, 415, ""},
		{"broken form", "application/x-www-form-urlencoded", "a=%zz", 415, ""},
		{"nesting", "application/json", `[[[[[1]]]]]`, 400, "/0/0/0/0"},
		{"duplicate keys", "application/json", `{"a":1,"a":2}`, 400, "/a"},
		{"over MaxBody", "application/json", `{"a":"` + strings.Repeat("x", 100) + `"}`, 413, ""},
		{"empty body passes", "application/json", ``, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got = string(b)
			}))
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status == 200 {
				if got != tt.body {
					t.Fatalf("next got body %q, want %q", got, tt.body)
				}
				return
			}
			var p struct {
				Errors []struct{ Pointer, Detail string }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || len(p.Errors) != 1 {
				t.Fatalf("problem body = %s", w.Body)
			}
			if p.Errors[0].Pointer != tt.pointer {
				t.Fatalf("pointer = %q, want %q", p.Errors[0].Pointer, tt.pointer)
			}
			if strings.Contains(w.Body.String(), "admin") {
				t.Fatalf("problem echoes the body: %s", w.Body)
			}
		})
	}
}

func TestCheckContentTypeSentinel(t *testing.T) {
	l, _ := jsonlimits.New(jsonlimits.Config{})
	err := l.CheckContentType("text/plain", []byte(` [1]`))
	if !errors.Is(err, jsonlimits.ErrContentType) {
		t.Fatalf("err = %v, want ErrContentType", err)
	}
}
