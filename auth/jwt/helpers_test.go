package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	gjwt "github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://id.example.com/"
	testAudience = "my-api"
)

var testNow = time.Unix(1_800_000_000, 0)

func clock() time.Time { return testNow }

func mustECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func validClaims() gjwt.MapClaims {
	return gjwt.MapClaims{
		"iss":   testIssuer,
		"aud":   testAudience,
		"sub":   "alice",
		"exp":   testNow.Add(time.Hour).Unix(),
		"iat":   testNow.Add(-time.Minute).Unix(),
		"roles": []string{"user"},
		"scope": "notes:read notes:write",
	}
}

// mint signs claims with the given method and key, adding header fields.
func mint(t testing.TB, m gjwt.SigningMethod, key crypto.PrivateKey, hdr map[string]any, cl gjwt.MapClaims) string {
	t.Helper()
	tok := gjwt.NewWithClaims(m, cl)
	for k, v := range hdr {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	if ec, ok := key.(*ecdsa.PrivateKey); ok {
		s = withS(t, s, &ec.PublicKey, false)
	}
	return s
}

// withS returns tok with its ECDSA signature's S replaced by whichever of
// S and N-S is high (high true) or low: both verify under crypto/ecdsa.
func withS(t testing.TB, tok string, pub *ecdsa.PublicKey, high bool) string {
	t.Helper()
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	n := pub.Curve.Params().N
	size := len(sig) / 2
	s := new(big.Int).SetBytes(sig[size:])
	if isHigh := s.Cmp(new(big.Int).Rsh(n, 1)) > 0; isHigh != high {
		s.Sub(n, s)
	}
	s.FillBytes(sig[size:])
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func claimsJSON(t testing.TB, cl gjwt.MapClaims) string {
	t.Helper()
	b, err := json.Marshal(cl)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jwksJSON returns a public JWK Set of the keys, each under its kid.
func jwksJSON(t testing.TB, keys map[string]*ecdsa.PrivateKey) []byte {
	t.Helper()
	var set jwkset.JWKSMarshal
	for kid, k := range keys {
		j, err := jwkset.NewJWKFromKey(&k.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, ALG: jwkset.AlgES256, USE: jwkset.UseSig}})
		if err != nil {
			t.Fatal(err)
		}
		set.Keys = append(set.Keys, j.Marshal())
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func rsaPublicPEM(t testing.TB) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func bearer(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/notes/1", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}
