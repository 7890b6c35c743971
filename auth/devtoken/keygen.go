package devtoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"

	"github.com/MicahParks/jwkset"
)

// Algorithms [Keygen] makes keys for.
const (
	ES256 = "ES256"
	EdDSA = "EdDSA"
	RS256 = "RS256"
)

// RSABits is the size of RS256 keys made by [Keygen].
const RSABits = 3072

// Errors about keys.
var (
	ErrAlgorithm = errors.New("devtoken: algorithm must be ES256, EdDSA or RS256")
	ErrKey       = errors.New("devtoken: unusable key")
)

// KeyPair is a signing key with its algorithm and key id.
type KeyPair struct {
	Algorithm string
	// KID is the RFC 7638 thumbprint of the public key, unless set
	// otherwise.
	KID     string
	Private crypto.Signer
}

// Keygen makes a fresh key pair for alg (ES256, EdDSA or RS256) from
// crypto/rand, with its thumbprint as key id.
func Keygen(alg string) (*KeyPair, error) {
	var (
		key crypto.Signer
		err error
	)
	switch alg {
	case ES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	case RS256:
		key, err = rsa.GenerateKey(rand.Reader, RSABits)
	default:
		return nil, fmt.Errorf("%w: %q", ErrAlgorithm, alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generating %s key: %w", alg, err)
	}
	return newKeyPair(key, "")
}

// ParsePrivateKey reads a PEM private key (PKCS#8, SEC 1 "EC PRIVATE KEY"
// or PKCS#1 "RSA PRIVATE KEY"); the algorithm follows from the key type
// (P-256 → ES256, Ed25519 → EdDSA, RSA of at least 2048 bits → RS256).
// An empty kid means the thumbprint.
func ParsePrivateKey(pemBytes []byte, kid string) (*KeyPair, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrKey)
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a private key", ErrKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T cannot sign", ErrKey, key)
	}
	return newKeyPair(signer, kid)
}

func newKeyPair(key crypto.Signer, kid string) (*KeyPair, error) {
	alg, err := algorithmFor(key.Public())
	if err != nil {
		return nil, err
	}
	kp := &KeyPair{Algorithm: alg, KID: kid, Private: key}
	if kp.KID == "" {
		if kp.KID, err = Thumbprint(key.Public()); err != nil {
			return nil, err
		}
	}
	return kp, nil
}

// algorithmFor is the one algorithm a public key is used with here.
func algorithmFor(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return ES256, nil
		}
		return "", fmt.Errorf("%w: only P-256 EC keys (ES256) are supported", ErrKey)
	case ed25519.PublicKey:
		return EdDSA, nil
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("%w: RSA key of %d bits, at least 2048 needed", ErrKey, k.N.BitLen())
		}
		return RS256, nil
	}
	return "", fmt.Errorf("%w: %T", ErrKey, pub)
}

// Thumbprint returns the RFC 7638 JWK thumbprint of pub (base64url
// SHA-256 of the canonical required members).
func Thumbprint(pub crypto.PublicKey) (string, error) {
	jwk, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrKey, err)
	}
	m := jwk.Marshal()
	// Members in lexicographic order, per RFC 7638 section 3.2; every
	// value is base64url or a fixed name, so json.Marshal of a string
	// cannot reorder or escape anything.
	var canon string
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	switch m.KTY {
	case jwkset.KtyEC:
		canon = `{"crv":` + q(string(m.CRV)) + `,"kty":"EC","x":` + q(m.X) + `,"y":` + q(m.Y) + `}`
	case jwkset.KtyOKP:
		canon = `{"crv":` + q(string(m.CRV)) + `,"kty":"OKP","x":` + q(m.X) + `}`
	case jwkset.KtyRSA:
		canon = `{"e":` + q(m.E) + `,"kty":"RSA","n":` + q(m.N) + `}`
	default:
		return "", fmt.Errorf("%w: key type %q", ErrKey, m.KTY)
	}
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// WritePrivatePEM writes the private key as PKCS#8 PEM. Keep it secret.
func (k *KeyPair) WritePrivatePEM(w io.Writer) error {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKey, err)
	}
	return pem.Encode(w, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// WritePublicPEM writes the public key as PKIX PEM, usable as a
// public_key_file.
func (k *KeyPair) WritePublicPEM(w io.Writer) error {
	der, err := x509.MarshalPKIXPublicKey(k.Private.Public())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKey, err)
	}
	return pem.Encode(w, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// WriteJWKS writes a JWK set holding the public key with its kid, alg and
// use "sig", usable as a jwks_file or served as a jwks_url.
func (k *KeyPair) WriteJWKS(w io.Writer) error {
	jwk, err := jwkset.NewJWKFromKey(k.Private.Public(), jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.ALG(k.Algorithm), KID: k.KID, USE: jwkset.UseSig},
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKey, err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}})
}

// randomID returns 128 random bits, base64url: a jti.
func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
