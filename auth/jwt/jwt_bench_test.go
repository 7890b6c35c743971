package jwt

import (
	"crypto/ecdsa"
	"fmt"
	"net/http"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
)

func benchAuth(b *testing.B, cacheOff bool) (*Authenticator, *ecdsa.PrivateKey) {
	k := mustECKey(b)
	a, err := New(Config{Now: clock, Cache: CacheConfig{Disabled: cacheOff}, Issuers: []IssuerConfig{{
		Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"ES256"},
		JWKSFile: writeFile(b, "jwks.json", jwksJSON(b, map[string]*ecdsa.PrivateKey{"k1": k})),
	}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	return a, k
}

// BenchmarkES256Cached is a request whose token was verified before: one
// SHA-256 and a map lookup.
func BenchmarkES256Cached(b *testing.B) {
	a, k := benchAuth(b, false)
	r := bearer(mint(b, gjwt.SigningMethodES256, k, map[string]any{"kid": "k1"}, validClaims()))
	if _, err := a.Authenticate(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkES256CachedPool spreads requests over 1,000 distinct tokens.
func BenchmarkES256CachedPool(b *testing.B) {
	a, k := benchAuth(b, false)
	reqs := make([]*http.Request, 1000)
	for i := range reqs {
		cl := validClaims()
		cl["sub"] = fmt.Sprintf("user-%d", i)
		reqs[i] = bearer(mint(b, gjwt.SigningMethodES256, k, map[string]any{"kid": "k1"}, cl))
		if _, err := a.Authenticate(reqs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := a.Authenticate(reqs[i%len(reqs)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkES256Uncached pays the full parse and signature check.
func BenchmarkES256Uncached(b *testing.B) {
	a, k := benchAuth(b, true)
	r := bearer(mint(b, gjwt.SigningMethodES256, k, map[string]any{"kid": "k1"}, validClaims()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefusedMalformed is the cost of a flood of garbage tokens.
func BenchmarkRefusedMalformed(b *testing.B) {
	a, _ := benchAuth(b, false)
	r := bearer("eyJhbGciOiJub25lIn0.e30.")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkSeedHS256Uncached verifies jsonwebtoken-shaped tokens (HS256,
// numeric userId, no iss or aud) through the issuer-less block.
func BenchmarkSeedHS256Uncached(b *testing.B) {
	a, err := New(Config{Now: clock, Cache: CacheConfig{Disabled: true}, Issuers: []IssuerConfig{seedConfig()}})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	r := bearer(seedToken(b, seedSecret, gjwt.MapClaims{"userId": 42, "role": "user", "iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix()}))
	b.ReportAllocs()
	for b.Loop() {
		if p, err := a.Authenticate(r); err != nil || p.Subject != "42" {
			b.Fatal(p, err)
		}
	}
}

// BenchmarkES256CachedAcceptHighS is BenchmarkES256Cached for an issuer
// with DangerouslyAcceptHighS: a low-S token pays one base64 decode and a
// comparison more, a high-S one the computation of its low-S form's hash.
func BenchmarkES256CachedAcceptHighS(b *testing.B) {
	k := mustECKey(b)
	a, err := New(Config{Now: clock, Issuers: []IssuerConfig{{
		Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"ES256"}, DangerouslyAcceptHighS: true,
		JWKSFile: writeFile(b, "jwks.json", jwksJSON(b, map[string]*ecdsa.PrivateKey{"k1": k})),
	}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	low := mint(b, gjwt.SigningMethodES256, k, map[string]any{"kid": "k1"}, validClaims())
	for name, tok := range map[string]string{"low-S": low, "high-S": withS(b, low, &k.PublicKey, true)} {
		b.Run(name, func(b *testing.B) {
			r := bearer(tok)
			if _, err := a.Authenticate(r); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
