package devtoken_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampart-api/rampart/auth/devtoken"
)

var (
	now     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock   = func() time.Time { return now }
	keysMu  sync.Mutex
	keyPool = map[string]*devtoken.KeyPair{}
)

// key returns one generated key per algorithm for the whole test binary;
// RSA generation is slow.
func key(t testing.TB, alg string) *devtoken.KeyPair {
	t.Helper()
	keysMu.Lock()
	defer keysMu.Unlock()
	if k, ok := keyPool[alg]; ok {
		return k
	}
	k, err := devtoken.Keygen(alg)
	if err != nil {
		t.Fatal(err)
	}
	keyPool[alg] = k
	return k
}

func jwks(t testing.TB, k *devtoken.KeyPair) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := k.WriteJWKS(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestKeygenMintInspect(t *testing.T) {
	for _, alg := range []string{devtoken.ES256, devtoken.EdDSA, devtoken.RS256} {
		t.Run(alg, func(t *testing.T) {
			k := key(t, alg)
			var priv, pub bytes.Buffer
			if err := k.WritePrivatePEM(&priv); err != nil {
				t.Fatal(err)
			}
			if err := k.WritePublicPEM(&pub); err != nil {
				t.Fatal(err)
			}
			set := jwks(t, k)
			var doc struct {
				Keys []map[string]any `json:"keys"`
			}
			if err := json.Unmarshal(set, &doc); err != nil || len(doc.Keys) != 1 {
				t.Fatalf("JWKS %s: %v", set, err)
			}
			if j := doc.Keys[0]; j["kid"] != k.KID || j["alg"] != alg || j["use"] != "sig" || j["d"] != nil || j["p"] != nil {
				t.Fatalf("JWK = %v", j)
			}
			again, err := devtoken.ParsePrivateKey(priv.Bytes(), "")
			if err != nil || again.KID != k.KID || again.Algorithm != alg {
				t.Fatalf("reloaded key: %+v, %v", again, err)
			}

			tok, err := devtoken.Mint(devtoken.MintConfig{
				Key: again, Subject: "alice", Roles: []string{"user"}, Scopes: []string{"notes:read", "notes:write"},
				Audience: []string{"notes-api"}, Issuer: "https://dev.local/", TTL: time.Hour, Type: "at+jwt",
				Extra: map[string]any{"tenant": "acme"}, Now: clock,
			})
			if err != nil {
				t.Fatal(err)
			}
			for name, cfg := range map[string]devtoken.InspectConfig{
				"jwks": {JWKS: set, Now: clock},
				"pem":  {PublicKeyPEM: pub.Bytes(), Now: clock},
			} {
				var out bytes.Buffer
				res, err := devtoken.Inspect(&out, tok, cfg)
				if err != nil || !res.Verified {
					t.Fatalf("%s: %v\n%s", name, err, out.String())
				}
				if !strings.Contains(out.String(), "VERIFIED: signature by key") || strings.Contains(out.String(), "NOT VERIFIED") {
					t.Fatalf("%s output:\n%s", name, out.String())
				}
				c := res.Claims
				if c["sub"] != "alice" || c["aud"] != "notes-api" || c["iss"] != "https://dev.local/" || c["scope"] != "notes:read notes:write" ||
					c["tenant"] != "acme" || c["exp"] != float64(now.Add(time.Hour).Unix()) || res.Header["kid"] != k.KID || res.Header["typ"] != "at+jwt" {
					t.Fatalf("%s: claims %v header %v", name, c, res.Header)
				}
			}
			res, _ := devtoken.Inspect(&bytes.Buffer{}, tok, devtoken.InspectConfig{JWKS: set, Now: clock})
			if res.KeyID != k.KID {
				t.Fatalf("verified by %q, want %q", res.KeyID, k.KID)
			}
		})
	}
}

func TestInspectRefuses(t *testing.T) {
	es := key(t, devtoken.ES256)
	ed := key(t, devtoken.EdDSA)
	set := jwks(t, es)
	var pub bytes.Buffer
	if err := es.WritePublicPEM(&pub); err != nil {
		t.Fatal(err)
	}
	mint := func(k *devtoken.KeyPair, ttl time.Duration) string {
		tok, err := devtoken.Mint(devtoken.MintConfig{Key: k, Subject: "alice", TTL: ttl, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mint(es, time.Hour)
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	hs256, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "admin", "exp": now.Add(time.Hour).Unix(), "kid": es.KID}).SignedString(pub.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	otherKeySameKid := *ed
	otherKeySameKid.KID = es.KID

	tests := []struct {
		name, token string
		cfg         devtoken.InspectConfig
		wantErr     error
	}{
		{"alg none", b64([]byte(`{"alg":"none","kid":"`+es.KID+`"}`)) + "." + parts[1] + ".", devtoken.InspectConfig{JWKS: set, Now: clock}, devtoken.ErrNotVerified},
		{"alg NONE", b64([]byte(`{"alg":"NONE","kid":"`+es.KID+`"}`)) + "." + parts[1] + ".", devtoken.InspectConfig{JWKS: set, Now: clock}, devtoken.ErrNotVerified},
		{"stripped signature", parts[0] + "." + parts[1] + ".", devtoken.InspectConfig{JWKS: set, Now: clock}, devtoken.ErrNotVerified},
		{"claims swapped", parts[0] + "." + b64([]byte(`{"sub":"admin","exp":1900000000}`)) + "." + parts[2], devtoken.InspectConfig{JWKS: set, Now: clock}, devtoken.ErrNotVerified},
		{"HS256 with the public key as secret", hs256, devtoken.InspectConfig{PublicKeyPEM: pub.Bytes(), Now: clock}, devtoken.ErrNotVerified},
		{"another key under the same kid", mint(&otherKeySameKid, time.Hour), devtoken.InspectConfig{JWKS: set, Now: clock}, devtoken.ErrNotVerified},
		{"EdDSA token against an EC PEM", mint(ed, time.Hour), devtoken.InspectConfig{PublicKeyPEM: pub.Bytes(), Now: clock}, devtoken.ErrNotVerified},
		{"expired", mint(es, time.Second), devtoken.InspectConfig{JWKS: set, Now: func() time.Time { return now.Add(time.Minute) }}, devtoken.ErrNotVerified},
		{"bad base64", "eyJ!!!.e30.sig", devtoken.InspectConfig{}, devtoken.ErrMalformed},
		{"not a jwt", "opaque-token", devtoken.InspectConfig{}, devtoken.ErrMalformed},
		{"garbage key set", good, devtoken.InspectConfig{JWKS: []byte(`{"keys":`), Now: clock}, devtoken.ErrNotVerified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			res, err := devtoken.Inspect(&out, tt.token, tt.cfg)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v\n%s", err, tt.wantErr, out.String())
			}
			if res != nil && (res.Verified || res.KeyID != "") {
				t.Fatalf("reported verified: %+v", res)
			}
			if !strings.Contains(out.String(), "NOT VERIFIED") && tt.wantErr == devtoken.ErrNotVerified {
				t.Fatalf("output does not say NOT VERIFIED:\n%s", out.String())
			}
		})
	}
}

func TestInspectWithoutKeysSaysSo(t *testing.T) {
	tok, err := devtoken.Mint(devtoken.MintConfig{Key: key(t, devtoken.ES256), Subject: "alice", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := devtoken.Inspect(&out, "Bearer "+tok, devtoken.InspectConfig{Now: clock})
	if err != nil || res.Verified || !strings.Contains(out.String(), "NOT VERIFIED: nothing in this token was checked") {
		t.Fatalf("%v %+v\n%s", err, res, out.String())
	}
}

func TestMintValidates(t *testing.T) {
	_, err := devtoken.Mint(devtoken.MintConfig{TTL: -time.Second})
	for _, want := range []error{devtoken.ErrNoKey, devtoken.ErrNoSubject, devtoken.ErrBadTTL} {
		if !errors.Is(err, want) {
			t.Errorf("missing %v in %v", want, err)
		}
	}
	_, err = devtoken.Mint(devtoken.MintConfig{Key: key(t, devtoken.ES256), Subject: "a", Extra: map[string]any{"exp": 9999999999, "roles": []string{"admin"}}})
	if !errors.Is(err, devtoken.ErrReserved) || !strings.Contains(err.Error(), `"exp"`) || !strings.Contains(err.Error(), `"roles"`) {
		t.Fatalf("extra overriding claims: %v", err)
	}
	hmac := &devtoken.KeyPair{Algorithm: "HS256", KID: "x", Private: key(t, devtoken.ES256).Private}
	if _, err := devtoken.Mint(devtoken.MintConfig{Key: hmac, Subject: "a"}); !errors.Is(err, devtoken.ErrAlgorithm) {
		t.Fatalf("HS256: %v", err)
	}
	if _, err := devtoken.Keygen("HS256"); !errors.Is(err, devtoken.ErrAlgorithm) {
		t.Fatalf("Keygen HS256: %v", err)
	}
}

func TestParsePrivateKeyRefuses(t *testing.T) {
	var pub bytes.Buffer
	_ = key(t, devtoken.ES256).WritePublicPEM(&pub)
	for name, data := range map[string][]byte{
		"empty":      nil,
		"public key": pub.Bytes(),
		"garbage":    []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
	} {
		if _, err := devtoken.ParsePrivateKey(data, ""); !errors.Is(err, devtoken.ErrKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// RFC 7638 section 3.1's example key and thumbprint.
func TestThumbprintRFC7638(t *testing.T) {
	n, _ := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	got, err := devtoken.Thumbprint(pub)
	if err != nil || got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("Thumbprint = %q, %v", got, err)
	}
	if _, err := devtoken.Thumbprint(&ecdsa.PublicKey{}); err == nil {
		t.Fatal("thumbprint of an empty key")
	}
}

func FuzzInspect(f *testing.F) {
	k := key(f, devtoken.ES256)
	tok, _ := devtoken.Mint(devtoken.MintConfig{Key: k, Subject: "alice", Now: clock})
	set := jwks(f, k)
	f.Add(tok)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		res, err := devtoken.Inspect(&bytes.Buffer{}, s, devtoken.InspectConfig{JWKS: set, Now: clock})
		if err == nil && (!res.Verified || res.KeyID != k.KID) {
			t.Fatalf("no error but not verified: %+v", res)
		}
		if err == nil && s != tok && strings.TrimPrefix(s, "Bearer ") != tok && strings.TrimSpace(s) != tok {
			// Only re-encodings of the real token can verify.
			if res.Claims["sub"] != "alice" {
				t.Fatalf("forged %q verified", s)
			}
		}
	})
}
