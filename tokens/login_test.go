package tokens_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/tokens"
)

// app is a login handler in the style of the seed's Express app.
func app(status int, headers map[string]string, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "connect.sid=app-session")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

func login(t *testing.T, s *tokens.Service, cfg tokens.LoginConfig, upstream http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	mw, err := s.LoginExchange(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	mw(upstream).ServeHTTP(w, httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"email":"a@b.c","password":"pw"}`)))
	return w
}

func TestLoginExchange(t *testing.T) {
	s := newService(t, baseConfig(sqliteStore(t)))
	v := verifier(t, s, nil)
	ok := map[string]string{tokens.LoginSubjectHeader: "user-42", tokens.LoginRolesHeader: "admin, user", tokens.LoginTenantHeader: "acme", tokens.LoginScopesHeader: "orders:read orders:write"}

	w := login(t, s, tokens.LoginConfig{}, app(200, ok, `{"token":"legacy-jwt","user":{"id":42}}`))
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if body["token_type"] != "Bearer" || body["refresh_token"] == nil || body["token"] != nil || body["user"] != nil {
		t.Fatalf("token response %v", body)
	}
	for k := range w.Header() {
		if strings.HasPrefix(k, "X-Rampart-Login") {
			t.Fatalf("%s reached the client", k)
		}
	}
	if w.Header().Get("Cache-Control") != "no-store" || strings.Contains(w.Header().Get("Set-Cookie"), "connect.sid") {
		t.Fatalf("headers %v", w.Header())
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
	p, err := v.Authenticate(r)
	if err != nil || p.Subject != "user-42" || p.Tenant != "acme" || len(p.Roles) != 2 || len(p.Scopes) != 2 {
		t.Fatalf("principal %+v %v", p, err)
	}

	// Wrong password: the app's own answer, minus the login headers.
	w = login(t, s, tokens.LoginConfig{}, app(401, map[string]string{tokens.LoginSubjectHeader: "user-42"}, `{"error":"Invalid credentials"}`))
	if w.Code != 401 || w.Body.String() != `{"error":"Invalid credentials"}` || w.Header().Get(tokens.LoginSubjectHeader) != "" || w.Header().Get("Set-Cookie") == "" {
		t.Fatalf("non-2xx: %d %s %v", w.Code, w.Body, w.Header())
	}

	// A 2xx naming nobody is a broken upstream: no tokens, no body.
	w = login(t, s, tokens.LoginConfig{}, app(200, nil, `{"token":"legacy"}`))
	if w.Code != 502 || strings.Contains(w.Body.String(), "legacy") || strings.Contains(w.Body.String(), "access_token") {
		t.Fatalf("2xx without subject: %d %s", w.Code, w.Body)
	}
}

func TestLoginExchangeWithJSONPointers(t *testing.T) {
	s := newService(t, baseConfig(sqliteStore(t)))
	cfg := tokens.LoginConfig{SubjectPointer: "/user/id", RolesPointer: "/user/roles", TenantPointer: "/user/org"}
	w := login(t, s, cfg, app(200, nil, `{"user":{"id":42,"roles":["admin","user"],"org":"acme"}}`))
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != 200 || body["access_token"] == nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for name, upstream := range map[string]string{
		"no subject":  `{"user":{}}`,
		"not JSON":    `<html>`,
		"object id":   `{"user":{"id":{"$ne":null}}}`,
		"huge answer": `{"pad":"` + strings.Repeat("x", 70<<10) + `","user":{"id":1}}`,
	} {
		if w := login(t, s, cfg, app(200, nil, upstream)); w.Code != 502 {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
	}
	if _, err := s.LoginExchange(tokens.LoginConfig{SubjectPointer: "user.id"}); err == nil {
		t.Fatal("a dotted path was taken for a JSON pointer")
	}
}

func TestLoginExchangeCookies(t *testing.T) {
	cfg := baseConfig(sqliteStore(t))
	cfg.Cookies = true
	s := newService(t, cfg)
	w := login(t, s, tokens.LoginConfig{}, app(200, map[string]string{tokens.LoginSubjectHeader: "u"}, `{}`))
	got := map[string]*http.Cookie{}
	for _, c := range w.Result().Cookies() {
		got[c.Name] = c
	}
	for _, name := range []string{tokens.AccessCookie, tokens.RefreshCookie} {
		c := got[name]
		if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Value == "" {
			t.Fatalf("cookie %s: %+v", name, c)
		}
	}
}
