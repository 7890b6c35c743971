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
		{"alg none", func(c *IssuerConfig) { c.Algorithms = []string{"none"} }, "issuers[0].algorithms[0]"},
		{"alg NoNe", func(c *IssuerConfig) { c.Algorithms = []string{"NoNe"} }, "issuers[0].algorithms[0]"},
		{"unknown alg", func(c *IssuerConfig) { c.Algorithms = []string{"HS1"} }, "issuers[0].algorithms[0]"},
		{"no algorithms", func(c *IssuerConfig) { c.Algorithms = nil }, "issuers[0].algorithms"},
		{"HS256 with a public key", func(c *IssuerConfig) { c.Secret = nil; c.PublicKeyPEM = rsaPEM }, "issuers[0].algorithms[0]"},
		{"RS256 with a secret", func(c *IssuerConfig) { c.Algorithms = []string{"RS256"} }, "issuers[0].algorithms[0]"},
		{"short secret", func(c *IssuerConfig) { c.Secret = []byte("changeme") }, "issuers[0].secret"},
		{"HS512 with a 32-byte secret", func(c *IssuerConfig) { c.Algorithms = []string{"HS512"} }, "issuers[0].algorithms[0]"},
		{"no audience", func(c *IssuerConfig) { c.Audience = nil }, "issuers[0].audience"},
		{"two key sources", func(c *IssuerConfig) { c.JWKSURL = "https://id.example.com/jwks" }, "issuers[0]"},
		{"no key source", func(c *IssuerConfig) { c.Secret = nil }, "issuers[0]"},
		{"plain http JWKS", func(c *IssuerConfig) {
			c.Secret, c.Algorithms, c.JWKSURL = nil, []string{"ES256"}, "http://id.example.com/jwks"
		}, "issuers[0].jwks_url"},
		{"leeway too large", func(c *IssuerConfig) { c.Leeway = 1e12 }, "issuers[0].leeway"},
		{"bad roles path", func(c *IssuerConfig) { c.RolesClaim = "realm_access..roles" }, "issuers[0].roles_claim"},
		{"refetch too often", func(c *IssuerConfig) { c.RefetchInterval = 1 }, "issuers[0].refetch_interval"},
		{"private key PEM", func(c *IssuerConfig) {
			c.Secret, c.Algorithms = nil, []string{"RS256"}
			c.PublicKeyPEM = []byte("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n")
		}, "issuers[0].public_key_pem"},
		{"missing JWKS file", func(c *IssuerConfig) {
			c.Secret, c.Algorithms, c.JWKSFile = nil, []string{"ES256"}, "/nonexistent/jwks.json"
		}, "issuers[0].jwks_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ic := base()
			tt.mut(&ic)
			_, err := New(Config{Issuers: []IssuerConfig{ic}})
			if !errors.Is(err, ErrConfig) || !hasField(err, tt.field) {
				t.Fatalf("err = %v, want a ConfigError at %s", err, tt.field)
			}
			if strings.Contains(err.Error(), string(secret)) {
				t.Fatal("error leaks the secret")
			}
		})
	}
}

// hasField reports whether err holds a *ConfigError at field.
func hasField(err error, field string) bool {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var ce *ConfigError
		if errors.As(e, &ce) && ce.Field == field {
			return true
		}
	}
	return false
}

// TestValidateNamesFields checks that Validate names each field as the
// file writes it, list indexes included, and reads no file.
func TestValidateNamesFields(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	cfg := Config{Scheme: "Token", Header: "X Token", Cookie: "session;id", Cache: CacheConfig{MaxEntries: -1}, Issuers: []IssuerConfig{
		{Issuer: "a", Audience: []string{"api"}, Algorithms: []string{"HS256"}, Secret: secret},
		{Issuer: "b", Audience: []string{"api", ""}, Algorithms: []string{"ES256", "none", "HS1"}, PublicKeyFile: "/nonexistent/key.pem", MaxAge: -1},
		{Issuer: "a", Audience: []string{"api"}, Algorithms: []string{"RS256"}, JWKSURL: "http://idp.example/jwks"},
		{Audience: []string{"api"}, Algorithms: []string{"ES256"}, Discovery: true},
		{Algorithms: []string{"HS256"}, Secret: secret, DangerouslyAcceptAnyAudience: true},
		{Algorithms: []string{"HS256"}, Secret: secret, DangerouslyAcceptAnyAudience: true},
	}}
	err := cfg.Validate()
	for _, f := range []string{
		"scheme", "header", "cookie", "cache.max_entries",
		"issuers[1].algorithms[1]", "issuers[1].algorithms[2]", "issuers[1].audience[1]", "issuers[1].max_age",
		"issuers[2].issuer", "issuers[2].jwks_url", "issuers[3].issuer", "issuers[5].issuer",
	} {
		if !hasField(err, f) {
			t.Errorf("no error at %s in:\n%v", f, err)
		}
	}
	for _, f := range []string{"issuers[0]", "issuers[1].public_key_file", "issuers[4].issuer"} {
		if hasField(err, f) {
			t.Errorf("error at %s, which is right (Validate reads no file):\n%v", f, err)
		}
	}
	if strings.Contains(err.Error(), "Algorithms") || strings.Contains(err.Error(), "IssuerConfig") {
		t.Errorf("reason in Go terms:\n%v", err)
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
