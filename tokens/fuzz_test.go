package tokens_test

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// FuzzTokenEndpoint sends arbitrary bodies, content types and
// Authorization headers to the token and revocation endpoints: every
// answer is a 2xx or an RFC 6749 error object with a known code, never a
// 5xx, and never quotes the request.
func FuzzTokenEndpoint(f *testing.F) {
	for _, c := range [][3]string{
		{"grant_type=refresh_token&refresh_token=abc", "application/x-www-form-urlencoded", ""},
		{"grant_type=client_credentials", "application/x-www-form-urlencoded", "Basic YmlsbGluZzpndWVzcw=="},
		{"grant_type=client_credentials&client_id=billing&client_secret=x", "application/x-www-form-urlencoded; charset=utf-8", ""},
		{"token=a.b.c&token_type_hint=access_token", "application/x-www-form-urlencoded", "Basic Og=="},
		{`{"grant_type":"refresh_token"}`, "application/json", "Bearer x"},
		{"grant_type=refresh_token&grant_type=refresh_token", "application/x-www-form-urlencoded", "Basic %%%"},
	} {
		f.Add(c[0], c[1], c[2], false)
		f.Add(c[0], c[1], c[2], true)
	}
	s, _ := clientService(f)
	codes := []string{"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope", "unsupported_token_type"}
	f.Fuzz(func(t *testing.T, body, ctype, authz string, revoke bool) {
		path := "/oauth/token"
		if revoke {
			path = "/oauth/revoke"
		}
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%d for %q %q %q", w.Code, body, ctype, authz)
		}
		if w.Code < 300 {
			return
		}
		var e struct {
			Error string `json:"error"`
			Desc  string `json:"error_description"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || !slices.Contains(codes, e.Error) {
			t.Fatalf("error body %q for %q", w.Body, body)
		}
		if len(body) > 8 && strings.Contains(e.Desc, body) {
			t.Fatalf("the description quotes the body: %q", e.Desc)
		}
	})
}
