package jwt

import (
	"errors"
	"strings"
	"testing"
)

func TestNewRefuses(t *testing.T) {
	_, rsaPEM := rsaPublicPEM(t)
	secret := []byte(strings.Repeat("s", 32))
	base := func() IssuerConfig {
		return IssuerConfig{Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"HS256"}, Secret: secret}
	}
	tests := []struct {
		name  string
		mut   func(*IssuerConfig)
		field string
	}{
		{"alg none", func(c *IssuerConfig) { c.Algorithms = []string{"none"} }, "Algorithms"},
		{"alg NoNe", func(c *IssuerConfig) { c.Algorithms = []string{"NoNe"} }, "Algorithms"},
		{"unknown alg", func(c *IssuerConfig) { c.Algorithms = []string{"HS1"} }, "Algorithms"},
		{"no algorithms", func(c *IssuerConfig) { c.Algorithms = nil }, "Algorithms"},
		{"HS256 with a public key", func(c *IssuerConfig) { c.Secret = nil; c.PublicKeyPEM = rsaPEM }, "Algorithms"},
		{"RS256 with a secret", func(c *IssuerConfig) { c.Algorithms = []string{"RS256"} }, "Algorithms"},
		{"short secret", func(c *IssuerConfig) { c.Secret = []byte("changeme") }, "Secret"},
		{"HS512 with a 32-byte secret", func(c *IssuerConfig) { c.Algorithms = []string{"HS512"} }, "Algorithms"},
		{"no audience", func(c *IssuerConfig) { c.Audience = nil }, "Audience"},
		{"two key sources", func(c *IssuerConfig) { c.JWKSURL = "https://id.example.com/jwks" }, "keys"},
		{"no key source", func(c *IssuerConfig) { c.Secret = nil }, "keys"},
		{"plain http JWKS", func(c *IssuerConfig) {
			c.Secret, c.Algorithms, c.JWKSURL = nil, []string{"ES256"}, "http://id.example.com/jwks"
		}, "JWKSURL"},
		{"leeway too large", func(c *IssuerConfig) { c.Leeway = 1e12 }, "Leeway"},
		{"bad roles path", func(c *IssuerConfig) { c.RolesClaim = "realm_access..roles" }, "RolesClaim"},
		{"refetch too often", func(c *IssuerConfig) { c.RefetchInterval = 1 }, "RefetchInterval"},
		{"private key PEM", func(c *IssuerConfig) {
			c.Secret, c.Algorithms = nil, []string{"RS256"}
			c.PublicKeyPEM = []byte("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n")
		}, "PublicKeyPEM"},
		{"missing JWKS file", func(c *IssuerConfig) {
			c.Secret, c.Algorithms, c.JWKSFile = nil, []string{"ES256"}, "/nonexistent/jwks.json"
		}, "JWKSFile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ic := base()
			tt.mut(&ic)
			_, err := New(Config{Issuers: []IssuerConfig{ic}})
			var ce *ConfigError
			if !errors.Is(err, ErrConfig) || !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a ConfigError", err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("err = %v, want one about %s", err, tt.field)
			}
			if strings.Contains(err.Error(), string(secret)) {
				t.Fatal("error leaks the secret")
			}
		})
	}
}

func TestNewReportsAllProblems(t *testing.T) {
	_, err := New(Config{MaxTokenBytes: -1, Cookie: "bad name", Issuers: []IssuerConfig{
		{Issuer: testIssuer},
		{Issuer: testIssuer},
	}})
	var n int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *ConfigError
		if errors.As(e, &ce) {
			n++
		}
	}
	if n < 5 {
		t.Fatalf("got %d problems, want every one: %v", n, err)
	}
}
