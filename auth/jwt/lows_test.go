package jwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"

	gjwt "github.com/golang-jwt/jwt/v5"
)

const lenientIssuer = "https://lenient.example.com/"

// highSAuthenticator trusts k for testIssuer (high S accepted when accept
// is set) and for lenientIssuer (high S always accepted), so that the
// twin-aware cache lookup is on in both cases.
func highSAuthenticator(t *testing.T, k *ecdsa.PrivateKey, accept, cacheOff bool) *Authenticator {
	t.Helper()
	jwks := writeFile(t, "jwks.json", jwksJSON(t, map[string]*ecdsa.PrivateKey{"k1": k}))
	a, err := New(Config{Now: clock, Cache: CacheConfig{Disabled: cacheOff}, Issuers: []IssuerConfig{
		{Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"ES256"}, JWKSFile: jwks, DangerouslyAcceptHighS: accept},
		{Issuer: lenientIssuer, Audience: []string{testAudience}, Algorithms: []string{"ES256"}, JWKSFile: jwks, DangerouslyAcceptHighS: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// twins mints a token for iss and returns its low-S and high-S forms.
func twins(t *testing.T, k *ecdsa.PrivateKey, iss, sub string) (low, high string) {
	t.Helper()
	cl := validClaims()
	cl["iss"], cl["sub"] = iss, sub
	low = mint(t, gjwt.SigningMethodES256, k, map[string]any{"kid": "k1"}, cl)
	high = withS(t, low, &k.PublicKey, true)
	if low == high {
		t.Fatal("no twin made")
	}
	return low, high
}

func tokenHash(a *Authenticator, tok string) *tokenKey {
	h := a.cache.key(tok)
	return &h
}

// With DangerouslyAcceptHighS, a token and its high-S twin are accepted
// and are one token: one cache entry, under the low-S form's hash, and the
// same principal, whichever arrives first.
func TestHighSTwinsAreOneToken(t *testing.T) {
	for _, tt := range []struct {
		name      string
		highFirst bool
		cacheOff  bool
	}{
		{"low-S first", false, false},
		{"high-S first", true, false},
		{"high-S first, cache off", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := mustECKey(t)
			a := highSAuthenticator(t, k, true, tt.cacheOff)
			low, high := twins(t, k, testIssuer, "alice")
			order := []string{low, high, low, high}
			if tt.highFirst {
				order = []string{high, low, high, low}
			}
			var first any
			for i, tok := range order {
				p, err := a.Authenticate(bearer(tok))
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if p.Subject != "alice" || p.Issuer != testIssuer {
					t.Fatalf("request %d: principal %+v", i, p)
				}
				if i == 0 {
					first = *p
				} else if !reflect.DeepEqual(first, *p) {
					t.Fatalf("request %d: principal %+v, first was %+v", i, *p, first)
				}
				if tt.cacheOff {
					continue
				}
				if n := a.cache.len(); n != 1 {
					t.Fatalf("request %d: %d cache entries, want 1", i, n)
				}
				if a.cache.get(tokenHash(a, low), testNow) == nil {
					t.Fatalf("request %d: no entry under the low-S form's hash", i)
				}
				if a.cache.get(tokenHash(a, high), testNow) != nil {
					t.Fatalf("request %d: an entry under the high-S form's hash", i)
				}
			}
		})
	}
}

// Refusals, in order, against one authenticator whose cache already holds
// the low-S originals: the switch belongs to one issuer only, the cache
// never serves a twin the issuer would refuse, and a high-S signature that
// does not verify is a bad signature, not a high-S one.
func TestHighSRefusals(t *testing.T) {
	k := mustECKey(t)
	a := highSAuthenticator(t, k, false, false)
	strictLow, strictHigh := twins(t, k, testIssuer, "alice")
	lenientLow, lenientHigh := twins(t, k, lenientIssuer, "bob")
	forged := func(tok string) string {
		// A high S that is not the twin: S of N-1, R kept.
		i := strings.LastIndexByte(tok, '.')
		return tok[:i+1] + b64sig(t, tok[i+1:], func(b []byte) []byte {
			new(big.Int).Sub(k.Params().N, big.NewInt(1)).FillBytes(b[32:])
			return b
		})
	}
	for _, tt := range []struct {
		name string
		tok  string
		want error
	}{
		{"strict issuer, low-S", strictLow, nil},
		{"lenient issuer, low-S", lenientLow, nil},
		{"strict issuer, high-S twin of a cached token", strictHigh, ErrHighS},
		{"strict issuer, high-S twin again", strictHigh, ErrHighS},
		{"lenient issuer, high-S twin", lenientHigh, nil},
		{"strict issuer, forged high S", forged(strictLow), ErrBadSignature},
		{"lenient issuer, forged high S", forged(lenientLow), ErrBadSignature},
		{"lenient issuer, S of N", lenientLow[:strings.LastIndexByte(lenientLow, '.')+1] + b64sig(t, lenientLow[strings.LastIndexByte(lenientLow, '.')+1:], func(b []byte) []byte {
			k.Params().N.FillBytes(b[32:])
			return b
		}), ErrBadSignature},
		{"lenient issuer, DER twin", lenientLow[:strings.LastIndexByte(lenientLow, '.')+1] + derSig(t, lenientHigh[strings.LastIndexByte(lenientHigh, '.')+1:]), ErrBadSignature},
	} {
		_, err := a.Authenticate(bearer(tt.tok))
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Fatalf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := a.cache.len(); n != 2 {
		t.Fatalf("%d cache entries, want 2", n)
	}
}

// A 64-byte signature is also what HS512 and EdDSA produce. Keying such a
// token by a "low-S form" must never let a changed signature be served
// from the cache: the entry of an HMAC token serves its exact string only.
func TestHighSKeyIgnoresOtherAlgorithms(t *testing.T) {
	k := mustECKey(t)
	secret := []byte(strings.Repeat("s", 64))
	a, err := New(Config{Now: clock, Issuers: []IssuerConfig{
		{Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"HS512"}, Secret: secret, DangerouslyAcceptHighS: true},
		{Issuer: lenientIssuer, Audience: []string{testAudience}, Algorithms: []string{"ES256"}, DangerouslyAcceptHighS: true,
			JWKSFile: writeFile(t, "jwks.json", jwksJSON(t, map[string]*ecdsa.PrivateKey{"k1": k}))},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	p256 := &ecdsa.PublicKey{Curve: elliptic.P256()}
	var lowTok, highTok string
	for i := 0; lowTok == "" || highTok == ""; i++ {
		cl := validClaims()
		cl["sub"] = fmt.Sprintf("user-%d", i)
		tok := mint(t, gjwt.SigningMethodHS512, secret, nil, cl)
		if _, isTwin := lowSForm(tok); isTwin {
			highTok = tok
		} else if withS(t, tok, p256, true) != tok {
			lowTok = tok
		}
	}
	for _, tok := range []string{lowTok, lowTok, highTok, highTok} {
		if _, err := a.Authenticate(bearer(tok)); err != nil {
			t.Fatalf("HS512 token refused: %v", err)
		}
	}
	if n := a.cache.len(); n != 2 {
		t.Fatalf("%d cache entries, want 2", n)
	}
	for _, tok := range []string{withS(t, lowTok, p256, true), withS(t, highTok, p256, false)} {
		if _, err := a.Authenticate(bearer(tok)); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("HS512 token with S replaced by N-S: %v, want ErrBadSignature", err)
		}
	}
}

// lowSForm never panics; it reports a twin exactly when the last segment
// is a canonical ECDSA-sized signature with N/2 < S < N, and then returns
// the token with S replaced by N-S, which is not a twin itself.
func FuzzLowSForm(f *testing.F) {
	k := mustECKey(f)
	low := mint(f, gjwt.SigningMethodES256, k, map[string]any{"kid": "k1"}, validClaims())
	for _, tok := range []string{low, withS(f, low, &k.PublicKey, true), "a.b.c", "", ".", low + "=", low[:len(low)-1], strings.Repeat("_", 86), "x." + strings.Repeat("_", 176)} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		form, ok := lowSForm(tok)
		i := strings.LastIndexByte(tok, '.')
		var sig []byte
		var n *big.Int
		if i >= 0 {
			for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
				b, err := base64.RawURLEncoding.Strict().DecodeString(tok[i+1:])
				if size := (c.Params().BitSize + 7) / 8; err == nil && len(b) == 2*size && !strings.ContainsAny(tok[i+1:], "\r\n") {
					sig, n = b, c.Params().N
				}
			}
		}
		var s *big.Int
		if sig != nil {
			s = new(big.Int).SetBytes(sig[len(sig)/2:])
		}
		want := s != nil && s.Cmp(new(big.Int).Rsh(n, 1)) > 0 && s.Cmp(n) < 0
		if ok != want {
			t.Fatalf("lowSForm(%q) = %t, want %t", tok, ok, want)
		}
		if !ok {
			return
		}
		s.Sub(n, s).FillBytes(sig[len(sig)/2:])
		canon := tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
		if form != canon {
			t.Fatalf("lowSForm(%q) = %q, want %q", tok, form, canon)
		}
		if _, again := lowSForm(canon); again {
			t.Fatalf("the low-S form %q is a twin too", canon)
		}
	})
}

// A Bearer token's characters are checked only when the token is not in
// the cache. Whether the token it was made from is cached or not, a token
// with a character outside RFC 6750's b64token is malformed: one that Go's
// base64 decoder skips ('\n', '\r') inside the signature of a high-S
// twin, which must not find the low-S form's entry, and ones no decoder
// takes, anywhere.
func TestBearerCharactersCheckedUnlessCached(t *testing.T) {
	k := mustECKey(t)
	for _, tt := range []struct {
		name     string
		accept   bool
		cacheOff bool
	}{
		{"cache on", false, false},
		{"cache on, high S accepted", true, false},
		{"cache off", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := highSAuthenticator(t, k, tt.accept, tt.cacheOff)
			low, high := twins(t, k, testIssuer, "alice")
			sig := strings.LastIndexByte(high, '.') + 5
			bad := map[string]string{
				"newline in the twin's signature":         high[:sig] + "\n" + high[sig:],
				"carriage return in the twin's signature": high[:sig] + "\r" + high[sig:],
				"newline in the token's signature":        low[:sig] + "\n" + low[sig:],
				"'!' in the payload":                      strings.Replace(low, ".", ".!", 1),
				"space inside":                            strings.Replace(low, ".", ". ", 1),
				"'%' at the end":                          low + "%",
			}
			for round := range 2 {
				if _, err := a.Authenticate(bearer(low)); err != nil {
					t.Fatalf("round %d: the token itself: %v", round, err)
				}
				for name, tok := range bad {
					r := bearer("")
					r.Header["Authorization"] = []string{"Bearer " + tok}
					if p, err := a.Authenticate(r); !errors.Is(err, ErrMalformed) {
						t.Errorf("round %d, %s: %v, %v; want ErrMalformed", round, name, p, err)
					}
				}
			}
			if tt.accept {
				if _, err := a.Authenticate(bearer(high)); err != nil {
					t.Fatalf("the twin itself: %v", err)
				}
			}
		})
	}
}
