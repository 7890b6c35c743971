package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// KeyPrefix starts every key made by [NewKey], so that secret scanners
// can recognise a leaked one.
const KeyPrefix = "rk_"

const hashPrefix = "sha256:"

// Hash errors, wrapped in an [EntryError].
var (
	ErrHashFormat      = errors.New(`apikey: hash must be "sha256:" followed by 64 hex digits`)
	ErrHashUnsupported = errors.New("apikey: only sha256 hashes are supported (see the package documentation)")
)

// Hash returns the stored form of key: "sha256:" and the hex SHA-256.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hashPrefix + hex.EncodeToString(sum[:])
}

// NewKey returns a fresh random key (256 bits from crypto/rand, with
// [KeyPrefix]) and its [Hash]. Give the key to the client once; store only
// the hash.
func NewKey() (key, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	key = KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, Hash(key), nil
}

// parseHash accepts "sha256:<hex>" or the bare 64-digit hex that sha256sum
// prints, in either case.
func parseHash(s string) ([sha256.Size]byte, error) {
	var out [sha256.Size]byte
	h := strings.TrimSpace(s)
	if i := strings.IndexByte(h, ':'); i >= 0 {
		if !strings.EqualFold(h[:i], "sha256") {
			return out, ErrHashUnsupported
		}
		h = h[i+1:]
	} else if strings.HasPrefix(h, "$") {
		return out, ErrHashUnsupported // $argon2id$…, $2b$… (bcrypt)
	}
	if len(h) != 2*sha256.Size {
		return out, ErrHashFormat
	}
	if _, err := hex.Decode(out[:], []byte(h)); err != nil {
		return out, ErrHashFormat
	}
	return out, nil
}
