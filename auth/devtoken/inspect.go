package devtoken

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// ErrNotVerified is returned by [Inspect] when a key set was given and the
// token did not verify against it.
var ErrNotVerified = errors.New("devtoken: token not verified")

// ErrMalformed is returned by [Inspect] when the token cannot be decoded.
var ErrMalformed = errors.New("devtoken: malformed token")

// asymmetric is every algorithm Inspect verifies; HMAC and "none" never.
var asymmetric = []string{"ES256", "ES384", "ES512", "EdDSA", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

// InspectConfig says what to verify a token against. With neither field
// set, [Inspect] only decodes.
type InspectConfig struct {
	// JWKS is a JSON Web Key Set document.
	JWKS []byte
	// PublicKeyPEM is a PKIX public key (or a private key, whose public
	// half is used).
	PublicKeyPEM []byte
	// Now is the clock for exp/nbf/iat; default time.Now.
	Now func() time.Time
}

// Result is what [Inspect] found.
type Result struct {
	Header   map[string]any
	Claims   map[string]any
	Verified bool
	// KeyID names the key that verified the token: its kid, or "PEM
	// public key".
	KeyID string
}

// Inspect decodes token and writes its header and claims to w. Without a
// key set it says plainly that NOTHING was verified. With one, it checks
// the signature (asymmetric algorithms only, the key's type must match the
// algorithm), exp, nbf and iat, and names the key that verified it, or
// says why verification failed and returns an error wrapping
// [ErrNotVerified]. It never sends anything over the network.
func Inspect(w io.Writer, token string, cfg InspectConfig) (*Result, error) {
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "Bearer "))
	header, claims, err := decode(token)
	if err != nil {
		fmt.Fprintf(w, "cannot decode token: %v\n", err)
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	res := &Result{Header: header, Claims: claims}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	writeJSON(w, "header", res.Header)
	writeJSON(w, "claims", res.Claims)
	writeTimes(w, res.Claims, now())

	var (
		keyFn  jwt.Keyfunc
		source string
	)
	switch {
	case len(cfg.JWKS) > 0:
		kf, err := keyfunc.NewJWKSetJSON(json.RawMessage(cfg.JWKS))
		if err != nil {
			fmt.Fprintf(w, "\nNOT VERIFIED: the key set cannot be read: %v\n", err)
			return res, fmt.Errorf("%w: reading JWKS: %w", ErrNotVerified, err)
		}
		keyFn = func(t *jwt.Token) (any, error) {
			k, err := kf.Keyfunc(t)
			if err != nil {
				return nil, err
			}
			if err := keyMatches(t, k); err != nil {
				return nil, err
			}
			kid, _ := t.Header["kid"].(string)
			res.KeyID = kid
			return k, nil
		}
		source = "the JWKS"
	case len(cfg.PublicKeyPEM) > 0:
		pub, err := parsePublicKey(cfg.PublicKeyPEM)
		if err != nil {
			fmt.Fprintf(w, "\nNOT VERIFIED: the public key cannot be read: %v\n", err)
			return res, fmt.Errorf("%w: %w", ErrNotVerified, err)
		}
		keyFn = func(t *jwt.Token) (any, error) {
			if err := keyMatches(t, pub); err != nil {
				return nil, err
			}
			res.KeyID = "PEM public key"
			return pub, nil
		}
		source = "the PEM public key"
	default:
		fmt.Fprintln(w, "\nNOT VERIFIED: nothing in this token was checked — not the signature, the issuer, the audience or the expiry. Anyone can write these claims. Give a JWKS or public key to verify it.")
		return res, nil
	}

	parser := jwt.NewParser(
		jwt.WithValidMethods(asymmetric),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(now),
	)
	if _, err := parser.Parse(token, keyFn); err != nil {
		res.KeyID = ""
		fmt.Fprintf(w, "\nNOT VERIFIED against %s: %v\nDo not trust anything above.\n", source, err)
		return res, fmt.Errorf("%w: %w", ErrNotVerified, err)
	}
	res.Verified = true
	alg, _ := res.Header["alg"].(string)
	fmt.Fprintf(w, "\nVERIFIED: signature by key %q (%s) from %s; exp, nbf and iat checked. Issuer and audience were not compared with anything: check them above.\n", res.KeyID, alg, source)
	return res, nil
}

// decode returns a compact JWS's header and claims without verifying
// anything, whatever its alg says, so that even a token the parser would
// refuse can be shown.
func decode(token string) (header, claims map[string]any, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("%d dot-separated parts, want 3", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, nil, fmt.Errorf("part %d: %w", i+1, err)
		}
		if err := json.Unmarshal(raw, dst); err != nil || *dst == nil {
			return nil, nil, fmt.Errorf("part %d is not a JSON object", i+1)
		}
	}
	return header, claims, nil
}

// keyMatches refuses a key whose type does not fit the token's algorithm,
// so that the token's alg header cannot choose how a key is used.
func keyMatches(t *jwt.Token, key any) error {
	alg := t.Method.Alg()
	ok := false
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		ok = alg == "ES256" && k.Curve == elliptic.P256() ||
			alg == "ES384" && k.Curve == elliptic.P384() ||
			alg == "ES512" && k.Curve == elliptic.P521()
	case ed25519.PublicKey:
		ok = alg == EdDSA
	case *rsa.PublicKey:
		ok = (strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")) && k.N.BitLen() >= 2048
	}
	if !ok {
		return fmt.Errorf("%w: a %T cannot verify %s", ErrKey, key, alg)
	}
	return nil
}

func parsePublicKey(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrKey)
	}
	if block.Type == "PUBLIC KEY" {
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKey, err)
		}
		return pub, nil
	}
	kp, err := ParsePrivateKey(data, "")
	if err != nil {
		return nil, err
	}
	return kp.Private.Public(), nil
}

func writeJSON(w io.Writer, title string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	fmt.Fprintf(w, "%s:\n%s", title, buf.String())
}

func writeTimes(w io.Writer, c map[string]any, now time.Time) {
	for _, name := range []string{"iat", "nbf", "exp"} {
		f, ok := c[name].(float64)
		if !ok {
			continue
		}
		t := time.Unix(int64(f), 0).UTC()
		d := t.Sub(now).Round(time.Second)
		rel := "in " + d.String()
		if d < 0 {
			rel = (-d).String() + " ago"
		}
		fmt.Fprintf(w, "%s: %s (%s)\n", name, t.Format(time.RFC3339), rel)
	}
}
