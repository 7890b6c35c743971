package scan

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// ErrSigningKey is returned by [ParseSigningKey].
var ErrSigningKey = errors.New("scan: unusable signing key")

// ParseSigningKey reads a PEM private key (PKCS#8, PKCS#1 or SEC 1) for
// test tokens: RSA signs RS256, P-256 ES256, Ed25519 EdDSA.
func ParseSigningKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrSigningKey)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSigningKey, err)
	}
	s, ok := key.(crypto.Signer)
	if !ok || signingMethodFor(s) == nil {
		return nil, fmt.Errorf("%w: unsupported key type %T", ErrSigningKey, key)
	}
	return s, nil
}

func signingMethodFor(k crypto.Signer) jwt.SigningMethod {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return jwt.SigningMethodRS256
	case *ecdsa.PrivateKey:
		switch k.Curve.Params().BitSize {
		case 256:
			return jwt.SigningMethodES256
		case 384:
			return jwt.SigningMethodES384
		case 521:
			return jwt.SigningMethodES512
		}
	case ed25519.PrivateKey:
		return jwt.SigningMethodEdDSA
	}
	return nil
}
