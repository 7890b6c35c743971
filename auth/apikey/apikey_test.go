package apikey_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth/apikey"
)

const (
	goodKey  = "rk_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
	otherKey = "rk_c2Vjb25kLWtleS1mb3ItdGhlLWJpbGxpbmctc2VydmljZQ"
)

func newAuth(t testing.TB, cfg apikey.Config) *apikey.Authenticator {
	t.Helper()
	cfg.Keys = append(cfg.Keys,
		apikey.Entry{Hash: apikey.Hash(goodKey), Subject: "alice", Roles: []string{"user"}, Scopes: []string{"notes:read"}, Tenant: "acme", Name: "alice-laptop"},
		apikey.Entry{Hash: strings.ToUpper(strings.TrimPrefix(apikey.Hash(otherKey), "sha256:")), Subject: "billing", Roles: []string{"service"}},
	)
	a, err := apikey.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var keyCases = []struct {
	name    string
	headers []string
	subject string
	wantErr error
}{
	{"valid key", []string{goodKey}, "alice", nil},
	{"second key, bare upper-case hex entry", []string{otherKey}, "billing", nil},
	{"no header", nil, "", rampart.ErrNoCredentials},
	{"empty header", []string{""}, "", rampart.ErrNoCredentials},
	{"key with a suffix", []string{goodKey + "x"}, "", apikey.ErrUnknownKey},
	{"truncated key", []string{goodKey[:len(goodKey)-1]}, "", apikey.ErrUnknownKey},
	{"key prefix only", []string{"rk_"}, "", apikey.ErrUnknownKey},
	{"upper-cased key", []string{strings.ToUpper(goodKey)}, "", apikey.ErrUnknownKey},
	{"the stored hash sent as the key", []string{apikey.Hash(goodKey)}, "", apikey.ErrUnknownKey},
	{"bare hash sent as the key", []string{strings.TrimPrefix(apikey.Hash(goodKey), "sha256:")}, "", apikey.ErrUnknownKey},
	{"two keys in two headers", []string{otherKey, goodKey}, "", apikey.ErrMultipleKeys},
	{"same key twice", []string{goodKey, goodKey}, "", apikey.ErrMultipleKeys},
	{"two keys comma-joined", []string{goodKey + "," + otherKey}, "", apikey.ErrUnknownKey},
	{"trailing nul", []string{goodKey + "\x00"}, "", apikey.ErrMalformedKey},
	{"leading space", []string{" " + goodKey}, "", apikey.ErrMalformedKey},
	{"inner newline", []string{goodKey + "\r\nX-Rampart-Subject: admin"}, "", apikey.ErrMalformedKey},
	{"homoglyph", []string{strings.Replace(goodKey, "Z", "\u0396", 1)}, "", apikey.ErrMalformedKey},
	{"oversized", []string{strings.Repeat("k", apikey.DefaultMaxKeyLength+1)}, "", apikey.ErrMalformedKey},
}

func TestAuthenticate(t *testing.T) {
	a := newAuth(t, apikey.Config{})
	for _, tt := range keyCases {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/?api_key="+goodKey, nil)
			for _, h := range tt.headers {
				r.Header.Add("X-Api-Key", h)
			}
			p, err := a.Authenticate(r)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || p != nil {
					t.Fatalf("got %v, %v; want %v", p, err, tt.wantErr)
				}
				if tt.wantErr != rampart.ErrNoCredentials && !errors.Is(err, rampart.ErrInvalidCredentials) {
					t.Fatalf("%v does not wrap ErrInvalidCredentials", err)
				}
				if strings.Contains(err.Error(), goodKey) {
					t.Fatal("error text carries the key")
				}
				return
			}
			if err != nil || p.Subject != tt.subject || p.Method != apikey.Method {
				t.Fatalf("got %+v, %v", p, err)
			}
		})
	}
}

func TestPrincipal(t *testing.T) {
	a := newAuth(t, apikey.Config{})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-API-Key", goodKey)
	p, err := a.Authenticate(r)
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasRole("user") || !p.HasScopes("notes:read") || p.Tenant != "acme" ||
		p.Claims["sub"] != "alice" || p.Claims["key_name"] != "alice-laptop" || p.Claims["tenant"] != "acme" {
		t.Fatalf("principal = %+v", p)
	}
	p.Subject = "mallory" // a later step overwriting its copy must not leak into the next request
	p2, _ := a.Authenticate(r)
	if p2.Subject != "alice" {
		t.Fatalf("principal shared between requests: %q", p2.Subject)
	}
}

func TestScheme(t *testing.T) {
	a := newAuth(t, apikey.Config{Header: "Authorization", Scheme: "ApiKey"})
	tests := []struct {
		name, value string
		wantErr     error
	}{
		{"scheme and key", "ApiKey " + goodKey, nil},
		{"scheme case-insensitive", "apikey  " + goodKey, nil},
		{"bearer is for the jwt authenticator", "Bearer " + goodKey, rampart.ErrNoCredentials},
		{"scheme glued to key", "ApiKey" + goodKey, rampart.ErrNoCredentials},
		{"scheme only", "ApiKey ", rampart.ErrNoCredentials},
		{"bare key without scheme", goodKey, rampart.ErrNoCredentials},
		{"wrong key", "ApiKey " + otherKey + "x", apikey.ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", tt.value)
			_, err := a.Authenticate(r)
			if !errors.Is(err, tt.wantErr) && !(tt.wantErr == nil && err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	_, err := apikey.New(apikey.Config{
		Header:       "X API Key",
		MaxKeyLength: -1,
		Keys: []apikey.Entry{
			{Hash: "md5:0123", Subject: "a"},
			{Hash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", Subject: "b"},
			{Hash: apikey.Hash(goodKey)},
			{Hash: apikey.Hash(goodKey), Subject: "dup"},
			{Hash: "sha256:abcd", Subject: "short"},
			{Hash: apikey.Hash(otherKey), Subject: "c", Roles: []string{"admin user"}},
		},
	})
	for _, want := range []error{apikey.ErrBadHeader, apikey.ErrBadKeyLength, apikey.ErrHashUnsupported, apikey.ErrDuplicateHash, apikey.ErrHashFormat, apikey.ErrInvalidEntry} {
		if !errors.Is(err, want) {
			t.Errorf("err does not report %v:\n%v", want, err)
		}
	}
	var ee *apikey.EntryError
	if !errors.As(err, &ee) || ee.Source != "keys" {
		t.Fatalf("no EntryError in %v", err)
	}
	for _, frag := range []string{"keys[2].subject", "keys[5].roles/scopes"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error does not mention %s", frag)
		}
	}
	if _, err := apikey.New(apikey.Config{}); !errors.Is(err, apikey.ErrNoKeys) {
		t.Fatalf("no keys: %v", err)
	}
	if _, err := apikey.New(apikey.Config{Header: "Authorization", Keys: []apikey.Entry{{Hash: apikey.Hash(goodKey), Subject: "a"}}}); !errors.Is(err, apikey.ErrSchemeNeeded) {
		t.Fatalf("Authorization without scheme: %v", err)
	}
	if _, err := apikey.New(apikey.Config{Header: "Authorization", Scheme: "bearer", Keys: []apikey.Entry{{Hash: apikey.Hash(goodKey), Subject: "a"}}}); !errors.Is(err, apikey.ErrBadScheme) {
		t.Fatalf("bearer scheme: %v", err)
	}
}

func TestNewKey(t *testing.T) {
	k1, h1, err := apikey.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, _, _ := apikey.NewKey()
	if k1 == k2 || !strings.HasPrefix(k1, apikey.KeyPrefix) || len(k1) != len(apikey.KeyPrefix)+43 || h1 != apikey.Hash(k1) {
		t.Fatalf("NewKey = %q %q", k1, h1)
	}
	a, err := apikey.New(apikey.Config{Keys: []apikey.Entry{{Hash: h1, Subject: "svc"}}})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-API-Key", k1)
	if p, err := a.Authenticate(r); err != nil || p.Subject != "svc" {
		t.Fatalf("new key refused: %v", err)
	}
}

func FuzzAuthenticate(f *testing.F) {
	a := newAuth(f, apikey.Config{})
	for _, tt := range keyCases {
		for _, h := range tt.headers {
			f.Add(h)
		}
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["X-Api-Key"] = []string{v}
		p, err := a.Authenticate(r)
		if err == nil {
			if v != goodKey && v != otherKey {
				t.Fatalf("accepted %q as %s", v, p.Subject)
			}
			return
		}
		if p != nil || !errors.Is(err, rampart.ErrNoCredentials) && !errors.Is(err, rampart.ErrInvalidCredentials) {
			t.Fatalf("%q: %v, %v", v, p, err)
		}
	})
}
