package devtoken_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/authz"
)

// Tokens minted here pass the gateway's own verifier and rules: keygen's
// JWKS as a jwks_file, then authentication, an owner rule and identity
// forwarding, as "rampart demo" uses them.
func TestMintedTokensThroughTheChain(t *testing.T) {
	for _, alg := range []string{devtoken.ES256, devtoken.EdDSA, devtoken.RS256} {
		t.Run(alg, func(t *testing.T) {
			k := key(t, alg)
			path := filepath.Join(t.TempDir(), "jwks.json")
			if err := os.WriteFile(path, jwks(t, k), 0o600); err != nil {
				t.Fatal(err)
			}
			verifier, err := jwt.New(jwt.Config{Issuers: []jwt.IssuerConfig{{
				Issuer: "https://dev.local/", Audience: []string{"notes-api"}, Algorithms: []string{alg}, JWKSFile: path,
			}}})
			if err != nil {
				t.Fatal(err)
			}
			defer verifier.Close()
			authn, err := auth.New(auth.Config{Authenticators: []rampart.Authenticator{verifier}})
			if err != nil {
				t.Fatal(err)
			}
			notes, err := authz.New(authz.Config{Roles: []string{"user", "admin"}, Owner: &authz.Owner{Param: "id", ExceptRoles: []string{"admin"}}})
			if err != nil {
				t.Fatal(err)
			}
			fwd, _ := authz.NewForwarder(authz.ForwardConfig{})
			var upstreamSubject string
			h := rampart.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				out := r.Header.Clone()
				fwd.Rewrite(out, rampart.PrincipalFrom(r.Context()))
				upstreamSubject = out.Get("X-Rampart-Subject")
			}), authn.Handler, notes.Handler)

			mint := func(sub, role string) string {
				tok, err := devtoken.Mint(devtoken.MintConfig{Key: k, Subject: sub, Roles: []string{role},
					Audience: []string{"notes-api"}, Issuer: "https://dev.local/", TTL: time.Hour})
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}
			for _, c := range []struct {
				name, token, note string
				want              int
				wantSubject       string // as the upstream sees it
			}{
				{"own note", mint("alice", "user"), "alice", 200, "alice"},
				{"someone else's note", mint("alice", "user"), "bob", 403, ""},
				{"admin", mint("root", "admin"), "bob", 200, "root"},
				{"no role", mint("eve", "guest"), "eve", 403, ""},
				{"no token", "", "alice", 401, ""},
			} {
				upstreamSubject = ""
				r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/"+c.note, nil))
				info.Params = []rampart.Param{{Name: "id", Value: c.note}}
				if c.token != "" {
					r.Header.Set("Authorization", "Bearer "+c.token)
				}
				r.Header.Set("X-Rampart-Subject", "spoofed")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != c.want {
					t.Fatalf("%s: status %d, want %d", c.name, w.Code, c.want)
				}
				if upstreamSubject != c.wantSubject {
					t.Fatalf("%s: upstream saw subject %q", c.name, upstreamSubject)
				}
			}
		})
	}
}

// crypto/ecdsa makes high-S signatures half the time, and the verifier
// accepts only low-S ones: every minted ES256 token must still verify.
func TestMintedES256AlwaysVerifies(t *testing.T) {
	k := key(t, devtoken.ES256)
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, jwks(t, k), 0o600); err != nil {
		t.Fatal(err)
	}
	verifier, err := jwt.New(jwt.Config{Cache: jwt.CacheConfig{Disabled: true}, Issuers: []jwt.IssuerConfig{{
		Issuer: "https://dev.local/", Audience: []string{"notes-api"}, Algorithms: []string{devtoken.ES256}, JWKSFile: path,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer verifier.Close()
	for i := range 40 { // a high-S miss would survive 40 draws with p = 2^-40
		tok, err := devtoken.Mint(devtoken.MintConfig{Key: k, Subject: "alice", Audience: []string{"notes-api"}, Issuer: "https://dev.local/"})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		if _, err := verifier.Authenticate(r); err != nil {
			t.Fatalf("token %d refused: %v", i, err)
		}
	}
}

// LowS turns every crypto/ecdsa signature into its low-S twin, which still
// verifies, and leaves other keys' tokens alone.
func TestLowS(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	half := new(big.Int).Rsh(k.Curve.Params().N, 1)
	rewritten := 0
	for range 40 {
		tok, err := gjwt.NewWithClaims(gjwt.SigningMethodES256, gjwt.MapClaims{"sub": "alice"}).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		low := devtoken.LowS(tok, k)
		if low != tok {
			rewritten++
		}
		i := strings.LastIndexByte(low, '.')
		sig, err := base64.RawURLEncoding.DecodeString(low[i+1:])
		if err != nil {
			t.Fatal(err)
		}
		if new(big.Int).SetBytes(sig[32:]).Cmp(half) > 0 {
			t.Fatalf("S above N/2 after LowS: %s", low)
		}
		if err := gjwt.SigningMethodES256.Verify(low[:i], sig, &k.PublicKey); err != nil {
			t.Fatalf("low-S twin does not verify: %v", err)
		}
	}
	if rewritten == 0 {
		t.Fatal("40 crypto/ecdsa signatures and none high-S: the test proves nothing")
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := gjwt.NewWithClaims(gjwt.SigningMethodEdDSA, gjwt.MapClaims{"sub": "alice"}).SignedString(ed)
	if err != nil {
		t.Fatal(err)
	}
	if got := devtoken.LowS(tok, ed); got != tok {
		t.Fatalf("EdDSA token changed: %s", got)
	}
}
