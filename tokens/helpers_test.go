package tokens_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/tokens"
	"github.com/rampart-api/rampart/tokens/sqlitestore"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var kek = []byte("0123456789abcdef0123456789abcdef-test-only")

func sqliteStore(t testing.TB) tokens.Store {
	t.Helper()
	st, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "tokens.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func baseConfig(st tokens.Store) tokens.Config {
	return tokens.Config{
		Issuer:           "https://api.example.test",
		Audience:         "api",
		Store:            st,
		KeyEncryptionKey: kek,
		LogoutPath:       "/api/logout",
	}
}

func newService(t testing.TB, cfg tokens.Config) *tokens.Service {
	t.Helper()
	s, err := tokens.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// verifier is the gateway's own auth.jwt for the service's tokens.
func verifier(t testing.TB, s *tokens.Service, now func() time.Time) *jwt.Authenticator {
	t.Helper()
	v, err := jwt.New(jwt.Config{
		Issuers: []jwt.IssuerConfig{{
			Issuer: s.Issuer(), Audience: []string{s.Audience()}, Algorithms: []string{s.Algorithm()},
			KeySource: s, Type: tokens.AccessTokenType, TenantClaim: "tenant",
		}},
		Revocation: s,
		Now:        now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func verify(v *jwt.Authenticator, tok string) error {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	_, err := v.Authenticate(r)
	return err
}

// post sends a form to the service and decodes the JSON answer.
func post(t testing.TB, h http.Handler, path string, form url.Values, mod ...func(*http.Request)) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, m := range mod {
		m(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w, body
}

func refreshForm(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
}
