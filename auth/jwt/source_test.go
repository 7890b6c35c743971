package jwt_test

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/auth/jwt"
)

// keySource is an in-process key source whose set a test replaces.
type keySource struct {
	mu      sync.Mutex
	jwks    []byte
	changed chan struct{}
}

func (s *keySource) PublicJWKS() ([]byte, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jwks, s.changed
}

func (s *keySource) set(jwks []byte) {
	s.mu.Lock()
	old := s.changed
	s.jwks, s.changed = jwks, make(chan struct{})
	s.mu.Unlock()
	close(old)
}

type revoked map[string]bool

func (r revoked) Revoked(jti string) bool { return r[jti] }

func jwksOf(t *testing.T, k *devtoken.KeyPair) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := k.WriteJWKS(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestKeySourceAndRevocation(t *testing.T) {
	k1, _ := devtoken.Keygen(devtoken.ES256)
	k2, _ := devtoken.Keygen(devtoken.ES256)
	src := &keySource{jwks: jwksOf(t, k1), changed: make(chan struct{})}
	rev := revoked{}
	a, err := jwt.New(jwt.Config{
		Issuers:    []jwt.IssuerConfig{{Issuer: "https://self.example", Audience: []string{"api"}, Algorithms: []string{"ES256"}, KeySource: src}},
		Revocation: rev,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// mint returns a token and the random jti devtoken gave it.
	mint := func(k *devtoken.KeyPair) (string, string) {
		tok, err := devtoken.Mint(devtoken.MintConfig{Key: k, Subject: "u", Issuer: "https://self.example", Audience: []string{"api"}})
		if err != nil {
			t.Fatal(err)
		}
		cl := gjwt.MapClaims{}
		if _, _, err := gjwt.NewParser().ParseUnverified(tok, cl); err != nil {
			t.Fatal(err)
		}
		jti, _ := cl["jti"].(string)
		return tok, jti
	}
	check := func(tok string) error {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		_, err := a.Authenticate(r)
		return err
	}
	t1, one := mint(k1)
	if err := check(t1); err != nil {
		t.Fatal(err)
	}
	// Revoked after it was cached: refused on the cache hit.
	rev[one] = true
	if err := check(t1); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("revoked cached token: %v", err)
	}
	t2, _ := mint(k2)
	if err := check(t2); !errors.Is(err, jwt.ErrUnknownKey) {
		t.Fatalf("key not yet published: %v", err)
	}
	src.set(jwksOf(t, k2))
	deadline := time.Now().Add(10 * time.Second)
	for check(t2) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the new set was never installed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	delete(rev, one)
	if err := check(t1); !errors.Is(err, jwt.ErrUnknownKey) {
		t.Fatalf("token of a key that left the set: %v", err)
	}
	src.set([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
	time.Sleep(50 * time.Millisecond)
	if err := check(t2); err != nil {
		t.Fatalf("a bad set replaced a good one: %v", err)
	}
}
