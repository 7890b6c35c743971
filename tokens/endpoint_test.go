package tokens_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/rampart-api/rampart/tokens"
)

// cheap argon2id parameters keep the tests fast; production hashes come
// from tokens.NewClientSecret.
var cheap = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func clientService(t testing.TB) (*tokens.Service, string) {
	t.Helper()
	const secret = "rs_correct-horse-battery-staple-0123456789"
	h, err := argon2id.CreateHash(secret, cheap)
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(sqliteStore(t))
	cfg.Clients = []tokens.Client{{ID: "billing", SecretHash: h, Scopes: []string{"invoices:read", "invoices:write"}, Roles: []string{"service"}}}
	return newService(t, cfg), secret
}

func basic(id, secret string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret))))
	}
}

func TestClientCredentials(t *testing.T) {
	s, secret := clientService(t)
	v := verifier(t, s, nil)
	cc := url.Values{"grant_type": {"client_credentials"}}

	w, body := post(t, s, "/oauth/token", cc, basic("billing", secret))
	if w.Code != 200 || body["refresh_token"] != nil || body["scope"] != "invoices:read invoices:write" {
		t.Fatalf("basic: %d %v", w.Code, body)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
	p, err := v.Authenticate(r)
	if err != nil || p.Subject != "billing" || p.Claims["client_id"] != "billing" || p.Roles[0] != "service" {
		t.Fatalf("client principal %+v %v", p, err)
	}

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"billing"}, "client_secret": {secret}, "scope": {"invoices:read"}}
	if w, body := post(t, s, "/oauth/token", form); w.Code != 200 || body["scope"] != "invoices:read" {
		t.Fatalf("post: %d %v", w.Code, body)
	}
	form.Set("scope", "admin")
	if w, body := post(t, s, "/oauth/token", form); w.Code != 400 || body["error"] != "invalid_scope" {
		t.Fatalf("scope beyond the client's: %d %v", w.Code, body)
	}

	for name, c := range map[string]struct {
		form   url.Values
		mod    func(*http.Request)
		status int
		code   string
		basic  bool
	}{
		"wrong secret basic": {cc, basic("billing", "guess"), 401, "invalid_client", true},
		"unknown client":     {cc, basic("nobody", "guess"), 401, "invalid_client", true},
		"wrong secret post":  {url.Values{"grant_type": {"client_credentials"}, "client_id": {"billing"}, "client_secret": {"guess"}}, nil, 401, "invalid_client", false},
		"no credentials":     {cc, nil, 401, "invalid_client", false},
		"bearer scheme":      {cc, func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, 401, "invalid_client", true},
		"basic not base64":   {cc, func(r *http.Request) { r.Header.Set("Authorization", "Basic ***") }, 401, "invalid_client", true},
		"basic without colon": {cc, func(r *http.Request) {
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("billing")))
		}, 401, "invalid_client", true},
		"two methods": {url.Values{"grant_type": {"client_credentials"}, "client_secret": {secret}}, basic("billing", secret), 400, "invalid_request", false},
		"id mismatch": {url.Values{"grant_type": {"client_credentials"}, "client_id": {"other"}}, basic("billing", secret), 400, "invalid_request", false},
	} {
		mods := []func(*http.Request){}
		if c.mod != nil {
			mods = append(mods, c.mod)
		}
		w, body := post(t, s, "/oauth/token", c.form, mods...)
		if w.Code != c.status || body["error"] != c.code {
			t.Errorf("%s: %d %v, want %d %s", name, w.Code, body, c.status, c.code)
		}
		if got := w.Header().Get("WWW-Authenticate") != ""; got != c.basic {
			t.Errorf("%s: WWW-Authenticate %q", name, w.Header().Get("WWW-Authenticate"))
		}
	}
}

func TestClientLockoutAfterRepeatedFailures(t *testing.T) {
	s, secret := clientService(t)
	cc := url.Values{"grant_type": {"client_credentials"}}
	for range tokens.DefaultClientPolicy.MaxFailures {
		if w, _ := post(t, s, "/oauth/token", cc, basic("billing", "guess")); w.Code != 401 {
			t.Fatalf("failure: %d", w.Code)
		}
	}
	w, body := post(t, s, "/oauth/token", cc, basic("billing", secret))
	if w.Code != 429 || body["error"] != "invalid_client" || w.Header().Get("Retry-After") == "" {
		t.Fatalf("right secret during a lockout: %d %v", w.Code, body)
	}
}

func TestTokenEndpointRefusesMalformedInput(t *testing.T) {
	s := newService(t, baseConfig(sqliteStore(t)))
	pair, _ := s.Issue(context.Background(), tokens.Identity{Subject: "jack"})
	form := "application/x-www-form-urlencoded"
	for _, c := range []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
	}{
		{"GET", "GET", "/oauth/token", "", "", 405, "invalid_request"},
		{"JSON body", "POST", "/oauth/token", "application/json", `{"grant_type":"refresh_token"}`, 400, "invalid_request"},
		{"no content type", "POST", "/oauth/token", "", "grant_type=refresh_token", 400, "invalid_request"},
		{"multipart", "POST", "/oauth/token", "multipart/form-data; boundary=x", "--x--", 400, "invalid_request"},
		{"latin-1", "POST", "/oauth/token", form + "; charset=iso-8859-1", "grant_type=refresh_token", 400, "invalid_request"},
		{"utf-8 charset", "POST", "/oauth/token", form + "; charset=UTF-8", "grant_type=refresh_token&refresh_token=x", 400, "invalid_grant"},
		{"oversized", "POST", "/oauth/token", form, "grant_type=refresh_token&refresh_token=" + strings.Repeat("a", 9000), 400, "invalid_request"},
		{"repeated grant_type", "POST", "/oauth/token", form, "grant_type=refresh_token&grant_type=client_credentials", 400, "invalid_request"},
		{"repeated token", "POST", "/oauth/token", form, "grant_type=refresh_token&refresh_token=a&refresh_token=" + url.QueryEscape(pair.RefreshToken), 400, "invalid_request"},
		{"bad escape", "POST", "/oauth/token", form, "grant_type=refresh_token&refresh_token=%zz", 400, "invalid_request"},
		{"semicolon", "POST", "/oauth/token", form, "grant_type=refresh_token;refresh_token=x", 400, "invalid_request"},
		{"no grant_type", "POST", "/oauth/token", form, "refresh_token=x", 400, "invalid_request"},
		{"empty grant_type", "POST", "/oauth/token", form, "grant_type=&refresh_token=x", 400, "invalid_request"},
		{"password grant", "POST", "/oauth/token", form, "grant_type=password&username=a&password=b", 400, "unsupported_grant_type"},
		{"authorization_code", "POST", "/oauth/token", form, "grant_type=authorization_code&code=x", 400, "unsupported_grant_type"},
		{"no refresh_token", "POST", "/oauth/token", form, "grant_type=refresh_token", 400, "invalid_request"},
		{"unknown refresh_token", "POST", "/oauth/token", form, "grant_type=refresh_token&refresh_token=" + strings.Repeat("A", 43), 400, "invalid_grant"},
		{"access token as refresh", "POST", "/oauth/token", form, "grant_type=refresh_token&refresh_token=" + pair.AccessToken, 400, "invalid_grant"},
		{"NUL in token", "POST", "/oauth/token", form, "grant_type=refresh_token&refresh_token=%00", 400, "invalid_grant"},
		{"query string", "POST", "/oauth/token?refresh_token=x", form, "grant_type=refresh_token", 400, "invalid_request"},
		{"revoke GET", "GET", "/oauth/revoke", "", "", 405, "invalid_request"},
		{"revoke no token", "POST", "/oauth/revoke", form, "token_type_hint=access_token", 400, "invalid_request"},
		{"revoke JSON", "POST", "/oauth/revoke", "application/json", `{"token":"x"}`, 400, "invalid_request"},
		{"revoke oversized", "POST", "/oauth/revoke", form, "token=" + strings.Repeat("a", 9000), 400, "invalid_request"},
		{"revoke repeated", "POST", "/oauth/revoke", form, "token=a&token=b", 400, "invalid_request"},
		{"logout GET", "GET", "/api/logout", "", "", 405, "invalid_request"},
		{"logout JSON", "POST", "/api/logout", "application/json", `{}`, 400, "invalid_request"},
	} {
		r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Errorf("%s: body %q is not JSON", c.name, w.Body)
			continue
		}
		if w.Code != c.status || body["error"] != c.code {
			t.Errorf("%s: %d %v, want %d %s", c.name, w.Code, body, c.status, c.code)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", c.name, w.Header().Get("Cache-Control"))
		}
		if d, _ := body["error_description"].(string); strings.Contains(d, "aaaa") || strings.Contains(d, pair.AccessToken) {
			t.Errorf("%s: the description echoes input: %q", c.name, d)
		}
	}
	// The real refresh token survived all of that.
	if w, body := post(t, s, "/oauth/token", refreshForm(pair.RefreshToken)); w.Code != 200 {
		t.Fatalf("the refresh token after malformed requests: %d %v", w.Code, body)
	}
}

func FuzzParseFormBody(f *testing.F) {
	for _, s := range []string{
		"grant_type=refresh_token&refresh_token=abc", "grant_type=refresh_token&grant_type=x", "a=%zz", "a;b=c", "=", "&&&",
		"grant_type=client_credentials&client_id=a%3Ab&client_secret=%00", "a=1&A=2", "%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		vals, oerr := tokens.ParseFormBody(body)
		if oerr != nil {
			if oerr.Code != "invalid_request" || oerr.Status != 400 || strings.Contains(oerr.Description, body) && len(body) > 3 {
				t.Fatalf("refusal %+v for %q", oerr, body)
			}
			return
		}
		for k, vs := range vals {
			if len(vs) != 1 || vs[0] == "" {
				t.Fatalf("%q: parameter %q has values %q", body, k, vs)
			}
		}
	})
}
