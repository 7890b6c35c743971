package jwt

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/rampart-api/rampart/auth/claims"
)

// Tokens shaped like the ones real apps already issue: jsonwebtoken's
// jwt.sign({userId, role}, secret, {expiresIn}) without iss or aud, and a
// shop signing {data: {...}} with a 1024-bit RSA key and no exp.

var seedSecret = []byte("a-jwt-secret-from-process.env-32+")

func seedToken(t testing.TB, secret []byte, cl gjwt.MapClaims) string {
	t.Helper()
	return mint(t, gjwt.SigningMethodHS256, secret, nil, cl)
}

func seedConfig() IssuerConfig {
	return IssuerConfig{
		DangerouslyAcceptAnyAudience: true,
		Algorithms:                   []string{"HS256"},
		Secret:                       seedSecret,
		SubjectClaim:                 "userId",
		RolesClaim:                   "role",
	}
}

func TestSeedTokens(t *testing.T) {
	_, rsaPEM := rsaPublicPEM(t)
	a, err := New(Config{Now: clock, Issuers: []IssuerConfig{seedConfig()}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	seed := func(mut func(gjwt.MapClaims)) gjwt.MapClaims {
		cl := gjwt.MapClaims{"userId": 42, "role": "user", "iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix()}
		if mut != nil {
			mut(cl)
		}
		return cl
	}
	valid := seedToken(t, seedSecret, seed(nil))
	parts := strings.Split(valid, ".")
	tests := []struct {
		name     string
		tok      string
		want     error
		wantSub  string
		wantRole string
	}{
		{name: "numeric userId, no iss, no aud", tok: valid, wantSub: "42", wantRole: "user"},
		{name: "string userId", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { c["userId"] = "64b7f0c2e1" })), wantSub: "64b7f0c2e1", wantRole: "user"},
		{name: "userId beyond float precision stays exact", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { c["userId"] = uint64(18446744073709551615) })), wantSub: "18446744073709551615", wantRole: "user"},
		{name: "admin role", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { c["role"] = "admin" })), wantSub: "42", wantRole: "admin"},
		{name: "any iss is not checked", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { c["iss"] = "whoever" })), wantSub: "42", wantRole: "user"},
		{name: "another secret", tok: seedToken(t, []byte("another-secret-of-32-bytes-or-more"), seed(nil)), want: ErrBadSignature},
		{name: "alg none", tok: b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + ".", want: ErrMalformed},
		{name: "alg none with a signature", tok: b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "." + parts[2], want: ErrAlgorithmNotAllowed},
		{name: "RS256 public key as HS256 secret", tok: seedToken(t, rsaPEM, seed(nil)), want: ErrBadSignature},
		{name: "fractional userId", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { c["userId"] = 4.2 })), want: ErrMissingClaim},
		{name: "userId in exponent form", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { c["userId"] = 4.2e1 })), wantSub: "42", wantRole: "user"},
		{name: "no userId", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { delete(c, "userId") })), want: ErrMissingClaim},
		{name: "expired", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { c["exp"] = testNow.Add(-time.Second).Unix() })), want: ErrExpired},
		{name: "no exp and no max_age", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { delete(c, "exp") })), want: ErrMissingClaim},
		{name: "no exp and no iat", tok: seedToken(t, seedSecret, seed(func(c gjwt.MapClaims) { delete(c, "exp"); delete(c, "iat") })), want: ErrMissingClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Authenticate(bearer(tt.tok))
			if tt.want != nil {
				if !errors.Is(err, tt.want) || p != nil {
					t.Fatalf("Authenticate = %v, %v; want %v", p, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != tt.wantSub || len(p.Roles) != 1 || p.Roles[0] != tt.wantRole || p.Issuer != "" {
				t.Fatalf("principal = %+v", p)
			}
		})
	}
}

func rsa1024(t testing.TB) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Skipf("this Go refuses to generate a 1024-bit key: %v", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func shopConfig(pub []byte) IssuerConfig {
	return IssuerConfig{
		DangerouslyAcceptAnyAudience: true,
		DangerouslyAllowWeakRSA:      true,
		Algorithms:                   []string{"RS256"},
		PublicKeyPEM:                 pub,
		MaxAge:                       time.Hour,
		SubjectClaim:                 claims.Segments("data", "id"),
		RolesClaim:                   "data.role",
		TenantClaim:                  "data.deluxeToken",
	}
}

func TestShopTokens(t *testing.T) {
	key, pub := rsa1024(t)
	now := testNow
	var clockNow atomic.Pointer[time.Time]
	clockNow.Store(&now)
	a, err := New(Config{Now: func() time.Time { return *clockNow.Load() }, Issuers: []IssuerConfig{shopConfig(pub)}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	shop := func(mut func(gjwt.MapClaims)) string {
		cl := gjwt.MapClaims{
			"status": "success",
			"data":   map[string]any{"id": 7, "email": "jim@juice-sh.op", "role": "customer", "deluxeToken": ""},
			"iat":    testNow.Add(-time.Minute).Unix(),
		}
		if mut != nil {
			mut(cl)
		}
		return mint(t, gjwt.SigningMethodRS256, key, nil, cl)
	}
	tests := []struct {
		name string
		tok  string
		want error
	}{
		{"no exp, recent iat", shop(nil), nil},
		{"iat older than max_age", shop(func(c gjwt.MapClaims) { c["iat"] = testNow.Add(-61 * time.Minute).Unix() }), ErrExpired},
		{"long exp is capped by max_age", shop(func(c gjwt.MapClaims) {
			c["iat"] = testNow.Add(-2 * time.Hour).Unix()
			c["exp"] = testNow.Add(24 * time.Hour).Unix()
		}), ErrExpired},
		{"exp before max_age still ends it", shop(func(c gjwt.MapClaims) { c["exp"] = testNow.Add(-time.Second).Unix() }), ErrExpired},
		{"neither exp nor iat", shop(func(c gjwt.MapClaims) { delete(c, "iat") }), ErrMissingClaim},
		{"iat in the future", shop(func(c gjwt.MapClaims) { c["iat"] = testNow.Add(time.Hour).Unix() }), ErrIssuedInFuture},
		{"iat not a number", shop(func(c gjwt.MapClaims) { c["iat"] = "yesterday" }), ErrMalformed},
		{"RS256 public key as HS256 secret", mint(t, gjwt.SigningMethodHS256, pub, nil, gjwt.MapClaims{"data": map[string]any{"id": 7}, "iat": testNow.Unix()}), ErrAlgorithmNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Authenticate(bearer(tt.tok))
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != "7" || !p.HasRole("customer") || p.Tenant != "" {
				t.Fatalf("principal = %+v", p)
			}
		})
	}

	// A cached verification ends with max_age as well.
	tok := shop(nil)
	if _, err := a.Authenticate(bearer(tok)); err != nil {
		t.Fatal(err)
	}
	later := testNow.Add(59*time.Minute + 59*time.Second)
	clockNow.Store(&later)
	if _, err := a.Authenticate(bearer(tok)); err == nil {
		t.Fatal("a token past iat + max_age was served from the cache")
	}
}

func TestWeakRSARefusedByDefault(t *testing.T) {
	_, pub := rsa1024(t)
	ic := shopConfig(pub)
	ic.DangerouslyAllowWeakRSA = false
	_, err := New(Config{Issuers: []IssuerConfig{ic}})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "issuers[0].public_key_pem" || !strings.Contains(err.Error(), "1024 bits") || !strings.Contains(err.Error(), "dangerously_allow_weak_rsa") {
		t.Fatalf("err = %v", err)
	}
	if _, cerr := Check(Config{Issuers: []IssuerConfig{ic}}); cerr == nil || cerr.Error() != err.Error() {
		t.Fatalf("Check = %v, New = %v", cerr, err)
	}
}

func TestIssuerOptional(t *testing.T) {
	k1 := mustECKey(t)
	named := IssuerConfig{Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"ES256"},
		JWKSFile: writeFile(t, "jwks.json", jwksJSON(t, map[string]*ecdsa.PrivateKey{"k1": k1}))}
	a, err := New(Config{Now: clock, Issuers: []IssuerConfig{named, seedConfig()}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cl := func(iss string) gjwt.MapClaims {
		c := gjwt.MapClaims{"userId": 1, "sub": "alice", "aud": testAudience, "exp": testNow.Add(time.Hour).Unix()}
		if iss != "" {
			c["iss"] = iss
		}
		return c
	}
	tests := []struct {
		name    string
		tok     string
		want    error
		wantSub string
	}{
		{"named issuer's own token", mint(t, gjwt.SigningMethodES256, k1, map[string]any{"kid": "k1"}, cl(testIssuer)), nil, "alice"},
		{"secret token claiming the named issuer", seedToken(t, seedSecret, cl(testIssuer)), ErrAlgorithmNotAllowed, ""},
		{"secret token without iss", seedToken(t, seedSecret, cl("")), nil, "1"},
		{"secret token with another iss", seedToken(t, seedSecret, cl("https://elsewhere.example/")), nil, "1"},
		{"ES256 token without iss goes to the secret block", mint(t, gjwt.SigningMethodES256, k1, map[string]any{"kid": "k1"}, cl("")), ErrAlgorithmNotAllowed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Authenticate(bearer(tt.tok))
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil || p.Subject != tt.wantSub {
				t.Fatalf("Authenticate = %+v, %v", p, err)
			}
		})
	}

	refused := []struct {
		name    string
		issuers []IssuerConfig
	}{
		{"two issuer-less blocks", []IssuerConfig{seedConfig(), seedConfig()}},
		{"issuer-less JWKS URL", []IssuerConfig{{Audience: []string{testAudience}, Algorithms: []string{"ES256"}, JWKSURL: "https://id.example.com/jwks"}}},
		{"issuer-less discovery", []IssuerConfig{{Audience: []string{testAudience}, Algorithms: []string{"ES256"}, Discovery: true}}},
		{"issuer-less without audience", []IssuerConfig{func() IssuerConfig { c := seedConfig(); c.DangerouslyAcceptAnyAudience = false; return c }()}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Issuers: tt.issuers})
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
}

func TestCheckDescribesKeys(t *testing.T) {
	_, pub := rsa1024(t)
	_, pub2048 := rsaPublicPEM(t)
	named := IssuerConfig{Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"RS256"}, PublicKeyPEM: pub2048}
	if desc, err := Check(Config{Issuers: []IssuerConfig{seedConfig(), shopConfig(pub), named}}); err == nil || desc != nil {
		t.Fatal("two issuer-less blocks accepted")
	}
	desc, err := Check(Config{Issuers: []IssuerConfig{shopConfig(pub), named}})
	if err != nil {
		t.Fatal(err)
	}
	if len(desc) != 2 || len(desc[0]) != 1 || desc[0][0] != "RSA 1024-bit public key" || desc[1][0] != "RSA 2048-bit public key" {
		t.Fatalf("Check = %q", desc)
	}
	desc, err = Check(Config{Issuers: []IssuerConfig{seedConfig()}})
	if err != nil || desc[0][0] != "HMAC secret of 33 bytes" {
		t.Fatalf("Check = %q, %v", desc, err)
	}
	short := seedConfig()
	short.Secret = []byte("secret")
	if _, err := Check(Config{Issuers: []IssuerConfig{short}}); err == nil || !strings.Contains(err.Error(), "6 bytes") || strings.Contains(err.Error(), "secret\"") {
		t.Fatalf("Check(6-byte secret) = %v", err)
	}
}
