package introspect_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth"
	"github.com/rampart-api/rampart/auth/introspect"
)

const (
	clientID     = "rampart-gw"
	clientSecret = "s3cr3t:with&odd=chars"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct{ ns atomic.Int64 }

func newClock() *clock               { c := &clock{}; c.ns.Store(epoch.UnixNano()); return c }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// idp is an RFC 7662 endpoint answering from a table of token → raw JSON
// response; "status:NNN" answers that status, "hang" waits for the client
// to give up, "redirect" redirects.
type idp struct {
	*httptest.Server
	calls     atomic.Int64
	post      bool
	responses map[string]string
	redirects atomic.Int64
}

func newIdP(t testing.TB, responses map[string]string) *idp {
	t.Helper()
	i := &idp{responses: responses}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /introspect", func(w http.ResponseWriter, r *http.Request) {
		i.calls.Add(1)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		id, secret, ok := r.BasicAuth()
		if i.post {
			id, secret, ok = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), true
		}
		if !ok || id != clientID || secret != strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(clientSecret, ":", "%3A"), "&", "%26"), "=", "%3D") && !i.post || i.post && secret != clientSecret {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		if r.PostForm.Get("token_type_hint") != "access_token" || r.URL.Query().Get("token") != "" {
			http.Error(w, "token in the wrong place", http.StatusBadRequest)
			return
		}
		resp, known := i.responses[r.PostForm.Get("token")]
		switch {
		case !known:
			resp = `{"active":false}`
		case resp == "hang":
			<-r.Context().Done()
			return
		case resp == "redirect":
			http.Redirect(w, r, "/stolen", http.StatusTemporaryRedirect)
			return
		case strings.HasPrefix(resp, "status:"):
			var code int
			fmt.Sscanf(resp, "status:%d", &code)
			w.WriteHeader(code)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, resp)
	})
	mux.HandleFunc("/stolen", func(http.ResponseWriter, *http.Request) { i.redirects.Add(1) })
	i.Server = httptest.NewTLSServer(mux)
	t.Cleanup(i.Close)
	return i
}

func (i *idp) config(c *clock) introspect.Config {
	return introspect.Config{
		Endpoint:     i.URL + "/introspect",
		ClientID:     clientID,
		ClientSecret: clientSecret,
		HTTPClient:   i.Client(),
		Issuer:       "https://id.example.com/",
		Audience:     []string{"notes-api"},
		RolesClaim:   "realm_access.roles",
		TenantClaim:  "org.id",
		Timeout:      2 * time.Second,
		Now:          c.Now,
	}
}

func exp(d time.Duration) int64 { return epoch.Add(d).Unix() }

func request(token string) *http.Request {
	r := httptest.NewRequest("GET", "/api/notes", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func TestAuthenticate(t *testing.T) {
	good := fmt.Sprintf(`{"active":true,"sub":"alice","iss":"https://id.example.com/","aud":["other","notes-api"],"exp":%d,"scope":"notes:read notes:write","realm_access":{"roles":["user"]},"org":{"id":"acme"}}`, exp(time.Hour))
	// encoding/json keeps the last of duplicate keys, so extra overrides.
	with := func(extra string) string { return strings.TrimSuffix(good, "}") + "," + extra + "}" }
	resp := map[string]string{
		"good":          good,
		"inactive":      `{"active":false,"sub":"alice"}`,
		"expired":       with(fmt.Sprintf(`"exp":%d`, exp(-time.Second))),
		"future":        with(fmt.Sprintf(`"nbf":%d`, exp(time.Minute))),
		"wrong-iss":     with(`"iss":"https://evil.example/"`),
		"wrong-aud":     with(`"aud":"billing-api"`),
		"aud-string":    with(`"aud":"notes-api"`),
		"refresh":       with(`"token_type":"refresh_token"`),
		"client-only":   fmt.Sprintf(`{"active":true,"client_id":"cron","iss":"https://id.example.com/","aud":"notes-api","exp":%d}`, exp(time.Hour)),
		"no-sub":        fmt.Sprintf(`{"active":true,"iss":"https://id.example.com/","aud":"notes-api","exp":%d}`, exp(time.Hour)),
		"sub-number":    fmt.Sprintf(`{"active":true,"sub":42,"iss":"https://id.example.com/","aud":"notes-api","exp":%d}`, exp(time.Hour)),
		"roles-number":  with(`"realm_access":{"roles":7.5}`),
		"active-string": `{"active":"true","sub":"alice"}`,
		"no-active":     `{"sub":"alice"}`,
		"garbage":       `<html>login</html>`,
		"array":         `[{"active":true}]`,
		"two-objects":   `{"active":false} {"active":true,"sub":"alice"}`,
		"exp-string":    with(`"exp":"tomorrow"`),
		"exp-huge":      with(`"exp":1e300`),
		"huge":          `{"active":true,"pad":"` + strings.Repeat("x", introspect.DefaultMaxResponseBytes) + `"}`,
		"server-error":  "status:500",
		"rate-limited":  "status:429",
		"hang":          "hang",
		"redirect":      "redirect",
	}
	i := newIdP(t, resp)
	tests := []struct {
		name    string
		token   string
		want    string // subject
		wantErr error
	}{
		{"active token", "good", "alice", nil},
		{"audience as a string", "aud-string", "alice", nil},
		{"client credentials token", "client-only", "cron", nil},
		{"no bearer", "", "", rampart.ErrNoCredentials},
		{"malformed bearer", "a b", "", auth.ErrMalformedBearer},
		{"unknown token", "forged", "", introspect.ErrInactive},
		{"inactive", "inactive", "", introspect.ErrInactive},
		{"active but expired", "expired", "", introspect.ErrExpired},
		{"not yet valid", "future", "", introspect.ErrNotYetValid},
		{"issuer of another idp", "wrong-iss", "", introspect.ErrWrongIssuer},
		{"token for another api", "wrong-aud", "", introspect.ErrWrongAudience},
		{"refresh token as access token", "refresh", "", introspect.ErrNotAccess},
		{"no subject at all", "no-sub", "", introspect.ErrNoSubject},
		{"subject of the wrong type", "sub-number", "", introspect.ErrNoSubject},
		{`"active" as a string`, "active-string", "", introspect.ErrUnavailable},
		{`"active" missing`, "no-active", "", introspect.ErrUnavailable},
		{"html instead of json", "garbage", "", introspect.ErrUnavailable},
		{"json array", "array", "", introspect.ErrUnavailable},
		{"smuggled second object", "two-objects", "", introspect.ErrUnavailable},
		{"exp of the wrong type", "exp-string", "", introspect.ErrUnavailable},
		{"exp out of range", "exp-huge", "", introspect.ErrUnavailable},
		{"oversized response", "huge", "", introspect.ErrUnavailable},
		{"endpoint error", "server-error", "", introspect.ErrUnavailable},
		{"endpoint rate-limits us", "rate-limited", "", introspect.ErrUnavailable},
		{"endpoint hangs", "hang", "", introspect.ErrUnavailable},
		{"endpoint redirects", "redirect", "", introspect.ErrUnavailable},
	}
	a, err := introspect.New(i.config(newClock()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Authenticate(request(tt.token))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || p != nil {
					t.Fatalf("got %v, %v; want %v", p, err, tt.wantErr)
				}
				invalid := errors.Is(err, rampart.ErrInvalidCredentials)
				if tt.wantErr == introspect.ErrUnavailable && invalid {
					t.Fatalf("technical failure reported as bad credentials: %v", err)
				}
				if strings.Contains(err.Error(), clientSecret) || tt.token != "" && strings.Contains(err.Error(), "Bearer") {
					t.Fatalf("error leaks: %v", err)
				}
				return
			}
			if err != nil || p.Subject != tt.want || p.Method != introspect.Method {
				t.Fatalf("got %+v, %v", p, err)
			}
		})
	}
	if i.redirects.Load() != 0 {
		t.Fatal("redirect followed with the token and credentials")
	}

	p, err := a.Authenticate(request("good"))
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasRole("user") || !p.HasScopes("notes:read", "notes:write") || p.Tenant != "acme" || p.Issuer != "https://id.example.com/" {
		t.Fatalf("principal = %+v", p)
	}
	p, _ = a.Authenticate(request("roles-number"))
	if p == nil || len(p.Roles) != 0 {
		t.Fatalf("a malformed roles claim granted %v", p)
	}
}

func TestCache(t *testing.T) {
	c := newClock()
	i := newIdP(t, map[string]string{
		"short": fmt.Sprintf(`{"active":true,"sub":"alice","exp":%d}`, exp(30*time.Second)),
		"long":  fmt.Sprintf(`{"active":true,"sub":"bob","exp":%d}`, exp(24*time.Hour)),
		"noexp": `{"active":true,"sub":"carol"}`,
	})
	cfg := i.config(c)
	cfg.Issuer, cfg.Audience = "", nil
	cfg.CacheSize = 2
	a, err := introspect.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name      string
		advance   time.Duration
		token     string
		wantCalls int64
		wantErr   error
	}{
		{"first sight", 0, "short", 1, nil},
		{"cached", 0, "short", 1, nil},
		{"cached until exp", 29 * time.Second, "short", 1, nil},
		{"past exp the cache is not trusted", 2 * time.Second, "short", 2, introspect.ErrExpired},
		{"refusal cached", 0, "short", 2, introspect.ErrExpired},
		{"long token", 0, "long", 3, nil},
		{"long token cached", 59 * time.Second, "long", 3, nil},
		{"CacheTTL caps a long exp", 2 * time.Second, "long", 4, nil},
		{"dead token asked once", 0, "dead", 5, introspect.ErrInactive},
		{"dead token cached", 0, "dead", 5, introspect.ErrInactive},
		{"dead token asked again later", 11 * time.Second, "dead", 6, introspect.ErrInactive},
		{"no exp: bounded by CacheTTL", 0, "noexp", 7, nil},
		{"size bound evicts the oldest", 0, "long", 8, nil},
	}
	for _, s := range steps {
		c.Add(s.advance)
		_, err := a.Authenticate(request(s.token))
		if !errors.Is(err, s.wantErr) && !(err == nil && s.wantErr == nil) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.wantErr)
		}
		if got := i.calls.Load(); got != s.wantCalls {
			t.Fatalf("%s: %d calls to the endpoint, want %d", s.name, got, s.wantCalls)
		}
	}
}

func TestFailuresAreNotCached(t *testing.T) {
	i := newIdP(t, map[string]string{"tok": "status:503"})
	a, err := introspect.New(i.config(newClock()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(request("tok")); !errors.Is(err, introspect.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	i.responses["tok"] = `{"active":true,"sub":"alice","iss":"https://id.example.com/","aud":"notes-api"}`
	if p, err := a.Authenticate(request("tok")); err != nil || p.Subject != "alice" {
		t.Fatalf("recovered endpoint: %v, %v", p, err)
	}
}

func TestClientSecretPost(t *testing.T) {
	i := newIdP(t, map[string]string{"tok": `{"active":true,"sub":"alice","iss":"https://id.example.com/","aud":"notes-api"}`})
	i.post = true
	cfg := i.config(newClock())
	cfg.AuthMethod = introspect.ClientSecretPost
	a, err := introspect.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := a.Authenticate(request("tok")); err != nil || p.Subject != "alice" {
		t.Fatalf("%v, %v", p, err)
	}
	cfg.AuthMethod = ""
	b, _ := introspect.New(cfg)
	if _, err := b.Authenticate(request("tok")); !errors.Is(err, introspect.ErrUnavailable) {
		t.Fatalf("endpoint refusing our credentials: %v", err)
	}
}

func TestEndpointDown(t *testing.T) {
	i := newIdP(t, nil)
	a, err := introspect.New(i.config(newClock()))
	if err != nil {
		t.Fatal(err)
	}
	i.Close()
	mw, err := auth.New(auth.Config{Authenticators: []rampart.Authenticator{a}})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	mw.Handler(http.NotFoundHandler()).ServeHTTP(w, request("tok"))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("WWW-Authenticate") != "" {
		t.Fatalf("idp down answered %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}

func TestNewValidates(t *testing.T) {
	_, err := introspect.New(introspect.Config{
		Endpoint:    "http://id.example.com/introspect",
		AuthMethod:  "private_key_jwt",
		Timeout:     -1,
		RolesClaim:  "a..b",
		TenantClaim: "\x00",
	})
	for _, want := range []error{introspect.ErrBadEndpoint, introspect.ErrNoClient, introspect.ErrBadAuthMethod, introspect.ErrBadLimit} {
		if !errors.Is(err, want) {
			t.Errorf("missing %v in %v", want, err)
		}
	}
	for _, frag := range []string{"roles_claim", "tenant_claim"} {
		if err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("error does not mention %s", frag)
		}
	}
	_, err = introspect.New(introspect.Config{Endpoint: "https://user:hunter2@id.example.com/introspect", ClientID: "a", ClientSecret: "b"})
	if !errors.Is(err, introspect.ErrBadEndpoint) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("credentials in URL: %v", err)
	}
	for _, ep := range []string{"", "/relative", "ftp://id.example.com/", "https://"} {
		if _, err := introspect.New(introspect.Config{Endpoint: ep, ClientID: "a", ClientSecret: "b"}); !errors.Is(err, introspect.ErrBadEndpoint) {
			t.Errorf("endpoint %q accepted", ep)
		}
	}
	if _, err := introspect.New(introspect.Config{Endpoint: "http://127.0.0.1:9/introspect", ClientID: "a", ClientSecret: "b", InsecureAllowHTTP: true}); err != nil {
		t.Fatalf("InsecureAllowHTTP refused: %v", err)
	}
}

func FuzzDecide(f *testing.F) {
	for _, s := range []string{
		`{"active":true,"sub":"alice","exp":1900000000,"scope":"a b","roles":["x"]}`,
		`{"active":false}`, `{"active":"true"}`, `[]`, `null`, `{"active":true,"exp":-1,"sub":"a"}`,
		`{"active":true,"sub":"a","aud":["notes-api"],"nbf":1e10}`,
		`{"active":true,"sub":"a","aud":"notes-api","exp":1e300}`,
	} {
		f.Add(s)
	}
	var bodies sync.Map // token → response body
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		body, _ := bodies.Load(r.PostForm.Get("token"))
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	a, err := introspect.New(introspect.Config{
		Endpoint: srv.URL, ClientID: "a", ClientSecret: "b", HTTPClient: srv.Client(), CacheSize: -1,
		Audience: []string{"notes-api"}, Now: func() time.Time { return epoch },
	})
	if err != nil {
		f.Fatal(err)
	}
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, body string) {
		tok := fmt.Sprintf("t%d", n.Add(1))
		bodies.Store(tok, body)
		defer bodies.Delete(tok)
		p, err := a.Authenticate(request(tok))
		if err != nil {
			if !errors.Is(err, introspect.ErrUnavailable) && !errors.Is(err, rampart.ErrInvalidCredentials) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) != nil || m["active"] != true || p.Subject == "" {
			t.Fatalf("accepted %q as %+v", body, p)
		}
	})
}

// TestNewNamesFields wants each refusal as a *ConfigError at the field a
// configuration file writes, never quoting URL credentials.
func TestNewNamesFields(t *testing.T) {
	ok := introspect.Config{Endpoint: "https://id.example.com/introspect", ClientID: "a", ClientSecret: "b"}
	for _, tt := range []struct {
		name  string
		mut   func(*introspect.Config)
		field string
		kind  error
	}{
		{"no endpoint", func(c *introspect.Config) { c.Endpoint = "" }, "endpoint", introspect.ErrBadEndpoint},
		{"plain http", func(c *introspect.Config) { c.Endpoint = "http://id.example.com/i" }, "endpoint", introspect.ErrBadEndpoint},
		{"credentials in the URL", func(c *introspect.Config) { c.Endpoint = "https://u:hunter2@id.example.com/i" }, "endpoint", introspect.ErrBadEndpoint},
		{"no client id", func(c *introspect.Config) { c.ClientID = "" }, "client_id", introspect.ErrNoClient},
		{"no client secret", func(c *introspect.Config) { c.ClientSecret = "" }, "client_secret", introspect.ErrNoClient},
		{"unknown auth method", func(c *introspect.Config) { c.AuthMethod = "private_key_jwt" }, "auth_method", introspect.ErrBadAuthMethod},
		{"negative cache ttl", func(c *introspect.Config) { c.CacheTTL = -1 }, "cache_ttl", introspect.ErrBadLimit},
		{"bad roles claim", func(c *introspect.Config) { c.RolesClaim = "a..b" }, "roles_claim", introspect.ErrBadClaim},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mut(&c)
			_, err := introspect.New(c)
			var ce *introspect.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want a ConfigError at %s", err, tt.field)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error quotes a credential: %v", err)
			}
		})
	}
}
