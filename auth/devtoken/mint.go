package devtoken

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultTTL is the lifetime of a minted token when MintConfig.TTL is 0.
const DefaultTTL = time.Hour

// Errors about a [MintConfig], joined when several apply.
var (
	ErrNoKey        = errors.New("devtoken: a key is required")
	ErrNoSubject    = errors.New("devtoken: a subject is required")
	ErrBadTTL       = errors.New("devtoken: TTL must not be negative")
	ErrReserved     = errors.New("devtoken: extra claim would override a generated one")
	ErrBadClaimName = errors.New("devtoken: invalid roles claim name")
)

// MintConfig describes a development token.
type MintConfig struct {
	Key     *KeyPair
	Subject string
	Roles   []string
	// RolesClaim names the roles claim; default "roles". It is a plain
	// claim name (a namespaced one such as "https://example.com/roles"
	// works), not a path.
	RolesClaim string
	// Scopes go into "scope", space-separated (RFC 8693 / RFC 9068).
	Scopes   []string
	Audience []string
	Issuer   string
	// TTL sets exp after iat; default [DefaultTTL].
	TTL time.Duration
	// Type is the typ header; default "JWT" ("at+jwt" for RFC 9068).
	Type string
	// Extra claims are added as given; they may not replace sub, iss,
	// aud, exp, nbf, iat, jti, scope or the roles claim.
	Extra map[string]any
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Mint signs a development token: sub, iss, aud, iat, nbf, exp, a random
// jti, roles, scope and the extra claims, with the key's algorithm and kid
// in the header.
func Mint(cfg MintConfig) (string, error) {
	var errs []error
	if cfg.Key == nil || cfg.Key.Private == nil {
		errs = append(errs, ErrNoKey)
	}
	if strings.TrimSpace(cfg.Subject) == "" {
		errs = append(errs, ErrNoSubject)
	}
	if cfg.TTL < 0 {
		errs = append(errs, ErrBadTTL)
	}
	rolesClaim := cfg.RolesClaim
	if rolesClaim == "" {
		rolesClaim = "roles"
	}
	if strings.TrimSpace(rolesClaim) != rolesClaim {
		errs = append(errs, ErrBadClaimName)
	}
	reserved := []string{"sub", "iss", "aud", "exp", "nbf", "iat", "jti", "scope", rolesClaim}
	for name := range cfg.Extra {
		for _, r := range reserved {
			if name == r {
				errs = append(errs, fmt.Errorf("%q: %w", name, ErrReserved))
			}
		}
	}
	var method jwt.SigningMethod
	if cfg.Key != nil {
		if method = jwt.GetSigningMethod(cfg.Key.Algorithm); method == nil || !isAsymmetric(cfg.Key.Algorithm) {
			errs = append(errs, fmt.Errorf("%w: %q", ErrAlgorithm, cfg.Key.Algorithm))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}

	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	iat := now().Truncate(time.Second)
	ttl := cfg.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	jti, err := randomID()
	if err != nil {
		return "", err
	}
	claims := jwt.MapClaims{}
	for k, v := range cfg.Extra {
		claims[k] = v
	}
	claims["sub"] = cfg.Subject
	claims["iat"] = iat.Unix()
	claims["nbf"] = iat.Unix()
	claims["exp"] = iat.Add(ttl).Unix()
	claims["jti"] = jti
	if cfg.Issuer != "" {
		claims["iss"] = cfg.Issuer
	}
	switch len(cfg.Audience) {
	case 0:
	case 1:
		claims["aud"] = cfg.Audience[0]
	default:
		claims["aud"] = cfg.Audience
	}
	if len(cfg.Roles) > 0 {
		claims[rolesClaim] = cfg.Roles
	}
	if len(cfg.Scopes) > 0 {
		claims["scope"] = strings.Join(cfg.Scopes, " ")
	}
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = cfg.Key.KID
	if cfg.Type != "" {
		tok.Header["typ"] = cfg.Type
	}
	s, err := tok.SignedString(cfg.Key.Private)
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	return LowS(s, cfg.Key.Private), nil
}

// LowS returns tok, a compact JWS signed by key, with an ECDSA signature
// rewritten to its low-S form (S at most N/2); other keys' tokens are
// returned unchanged. Both forms verify; Rampart's verifier accepts only
// the low one, and crypto/ecdsa produces either at random.
func LowS(tok string, key crypto.Signer) string {
	if k, ok := key.(*ecdsa.PrivateKey); ok {
		return lowS(tok, k.Curve.Params().N)
	}
	return tok
}

// lowS rewrites an ECDSA JWS signature (R||S) to its low-S form (S no
// greater than N/2). Both forms verify; Rampart's verifier accepts only the
// low one, and crypto/ecdsa produces either at random.
func lowS(tok string, n *big.Int) string {
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil || len(sig)%2 != 0 {
		return tok
	}
	half := len(sig) / 2
	s := new(big.Int).SetBytes(sig[half:])
	if s.Cmp(new(big.Int).Rsh(n, 1)) <= 0 {
		return tok
	}
	s.Sub(n, s).FillBytes(sig[half:])
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func isAsymmetric(alg string) bool { return alg == ES256 || alg == EdDSA || alg == RS256 }
