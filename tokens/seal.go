package tokens

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// MinKeyEncryptionKeyBytes is the least length of a key-encryption key:
// it must be random (e.g. openssl rand -base64 32), not a password, since
// it is expanded with HKDF, which adds no work factor.
const MinKeyEncryptionKeyBytes = 32

const (
	sealVersion = 1
	saltBytes   = 16
	hkdfInfo    = "rampart tokens signing key v1"
)

// ErrUnseal: a sealed private key could not be opened — a different
// key-encryption key, or altered data.
var ErrUnseal = errors.New("tokens: cannot decrypt a signing key (wrong key_encryption_key?)")

// Sealer encrypts private keys at rest with AES-256-GCM. Each sealed value
// has its own random salt, from which HKDF-SHA256 derives its AES key
// from the key-encryption key, and its own random nonce; the key id is
// authenticated as additional data, so a sealed key cannot be moved to
// another row. Safe for concurrent use.
type Sealer struct {
	kek []byte
}

// NewSealer returns a Sealer for kek, which must be at least
// [MinKeyEncryptionKeyBytes] long.
func NewSealer(kek []byte) (*Sealer, error) {
	if len(kek) < MinKeyEncryptionKeyBytes {
		return nil, fmt.Errorf("tokens: key encryption key of %d bytes; at least %d random bytes are required", len(kek), MinKeyEncryptionKeyBytes)
	}
	return &Sealer{kek: append([]byte(nil), kek...)}, nil
}

func (s *Sealer) aead(salt []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, s.kek, salt, hkdfInfo, 32)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// Seal encrypts plain, binding it to kid: version ‖ salt ‖ nonce ‖
// ciphertext.
func (s *Sealer) Seal(kid string, plain []byte) ([]byte, error) {
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	a, err := s.aead(salt)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{sealVersion}, salt...)
	out = append(out, nonce...)
	return a.Seal(out, nonce, plain, []byte(kid)), nil
}

// Open decrypts what Seal returned for kid, or returns [ErrUnseal].
func (s *Sealer) Open(kid string, sealed []byte) ([]byte, error) {
	if len(sealed) < 1+saltBytes || sealed[0] != sealVersion {
		return nil, ErrUnseal
	}
	a, err := s.aead(sealed[1 : 1+saltBytes])
	if err != nil {
		return nil, ErrUnseal
	}
	rest := sealed[1+saltBytes:]
	if len(rest) < a.NonceSize() {
		return nil, ErrUnseal
	}
	plain, err := a.Open(nil, rest[:a.NonceSize()], rest[a.NonceSize():], []byte(kid))
	if err != nil {
		return nil, ErrUnseal
	}
	return plain, nil
}
