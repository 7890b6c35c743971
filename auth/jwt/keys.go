package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"github.com/MicahParks/jwkset"
	gjwt "github.com/golang-jwt/jwt/v5"
)

// Minimum key strengths. RSA under 2048 bits is factorable in practice
// (NIST SP 800-131A); an HMAC key shorter than its hash output weakens it
// (RFC 7518 section 3.2).
const (
	minRSABits      = 2048
	minHMACKeyBytes = 32
	// minWeakRSABits is the floor even with
	// IssuerConfig.DangerouslyAllowWeakRSA: 512-bit keys are factored in
	// hours on rented machines.
	minWeakRSABits = 1024
)

// keyPolicy is what an issuer's configuration allows beyond the defaults.
type keyPolicy struct {
	// remote: the keys come from the network, where symmetric keys are
	// never accepted.
	remote bool
	// weakRSA accepts RSA keys from 1024 bits.
	weakRSA bool
}

// Algorithms lists every algorithm an issuer may allow. "none" is not and
// never will be among them.
var Algorithms = []string{
	"HS256", "HS384", "HS512",
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512",
	"EdDSA",
}

func isHMAC(alg string) bool { return alg == "HS256" || alg == "HS384" || alg == "HS512" }

// key is one verification key, immutable once built.
type key struct {
	kid string
	// alg is the key's own "alg" when a JWK states one; the token's alg
	// must then equal it.
	alg string
	pub any // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or []byte
	// fp identifies the key material, so that cached verifications can be
	// dropped once their key leaves the set.
	fp string
}

func (k *key) isECDSA() bool {
	_, ok := k.pub.(*ecdsa.PublicKey)
	return ok
}

// fits reports whether k may verify a signature made with alg: the key type
// and size must be the algorithm's own. This, not the token, decides; it is
// what defeats RS256→HS256 key confusion and curve substitution.
func (k *key) fits(alg string) bool {
	// A JWK that states its alg is used for that algorithm only (RFC 7517
	// section 4.4).
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch pub := k.pub.(type) {
	case []byte:
		switch alg {
		case "HS256":
			return len(pub) >= 32
		case "HS384":
			return len(pub) >= 48
		case "HS512":
			return len(pub) >= 64
		}
	case *rsa.PublicKey:
		switch alg {
		case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
			return true
		}
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return pub.Curve == elliptic.P256()
		case "ES384":
			return pub.Curve == elliptic.P384()
		case "ES512":
			return pub.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// verify checks sig over signingString with the golang-jwt signing method
// for alg, which is always one the issuer allows.
//
// An ECDSA signature must also be in low-S form ([lowS]): the high-S twin
// of a valid signature verifies too, and would make a second string for
// the same token.
func (k *key) verify(alg, signingString string, sig []byte) bool {
	return k.check(alg, signingString, sig) == sigValid
}

// check is verify telling a high-S ECDSA signature that verifies
// (sigHighS) from one that does not (sigInvalid), so that an issuer
// emitting high S gets a reason of its own, and an issuer that accepts
// high S can accept it.
func (k *key) check(alg, signingString string, sig []byte) sigCheck {
	m := signingMethods[alg]
	if m == nil || m.Verify(signingString, sig, k.pub) != nil {
		return sigInvalid
	}
	if pub, ok := k.pub.(*ecdsa.PublicKey); ok && !lowS(pub, sig) {
		return sigHighS
	}
	return sigValid
}

// signingMethods are golang-jwt's, except that PSS verification requires
// the salt length RFC 7518 section 3.5 fixes (the hash size); golang-jwt
// accepts any salt length by default for compatibility.
var signingMethods = func() map[string]gjwt.SigningMethod {
	m := make(map[string]gjwt.SigningMethod, len(Algorithms))
	for _, alg := range Algorithms {
		m[alg] = gjwt.GetSigningMethod(alg)
	}
	for _, ps := range []*gjwt.SigningMethodRSAPSS{gjwt.SigningMethodPS256, gjwt.SigningMethodPS384, gjwt.SigningMethodPS512} {
		m[ps.Alg()] = &gjwt.SigningMethodRSAPSS{
			SigningMethodRSA: ps.SigningMethodRSA,
			Options:          &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash},
		}
	}
	return m
}()

var (
	errWeakKey      = errors.New("key too weak")
	errKeyType      = errors.New("unsupported key type")
	errPrivateKey   = errors.New("key set holds private key material")
	errMixedKeys    = errors.New("key set mixes symmetric and asymmetric keys")
	errDuplicateKID = errors.New("key set has duplicate kid")
	errNoKeys       = errors.New("no usable verification key")
	errSymmetric    = errors.New("symmetric keys are not accepted from the network")
)

// newKey checks a public key or HMAC secret against the minimum strengths
// and fingerprints it.
func newKey(kid, alg string, pub any, pol keyPolicy) (*key, error) {
	h := sha256.New()
	switch p := pub.(type) {
	case []byte:
		if len(p) < minHMACKeyBytes {
			return nil, fmt.Errorf("%w: HMAC secret of %d bytes, at least %d required", errWeakKey, len(p), minHMACKeyBytes)
		}
		h.Write([]byte("oct:"))
		h.Write(p)
		p = slices.Clone(p)
		pub = p
	case *rsa.PublicKey:
		if min := minBits(pol); p.N.BitLen() < min {
			hint := ""
			if !pol.weakRSA && p.N.BitLen() >= minWeakRSABits {
				hint = " (dangerously_allow_weak_rsa accepts it)"
			}
			return nil, fmt.Errorf("%w: RSA key of %d bits, at least %d required%s", errWeakKey, p.N.BitLen(), min, hint)
		}
		if p.E < 3 || p.E%2 == 0 {
			return nil, fmt.Errorf("%w: RSA public exponent %d", errWeakKey, p.E)
		}
		if rocaVulnerable(p.N) {
			return nil, fmt.Errorf("%w: RSA modulus has the ROCA fingerprint (CVE-2017-15361)", errWeakKey)
		}
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return nil, fmt.Errorf("%w: unsupported curve", errKeyType)
		}
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: Ed25519 key of %d bytes", errKeyType, len(p))
		}
	default:
		return nil, fmt.Errorf("%w: %T", errKeyType, pub)
	}
	if _, isSecret := pub.([]byte); !isSecret {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errKeyType, err)
		}
		h.Write([]byte("pub:"))
		h.Write(der)
	}
	return &key{kid: kid, alg: alg, pub: pub, fp: string(h.Sum(nil))}, nil
}

func minBits(pol keyPolicy) int {
	if pol.weakRSA {
		return minWeakRSABits
	}
	return minRSABits
}

// describe says what kind of key k is and how strong, for rampart check.
// It never reveals key material.
func (k *key) describe() string {
	switch p := k.pub.(type) {
	case []byte:
		return fmt.Sprintf("HMAC secret of %d bytes", len(p))
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d-bit public key", p.N.BitLen())
	case *ecdsa.PublicKey:
		return fmt.Sprintf("ECDSA %s public key", p.Curve.Params().Name)
	case ed25519.PublicKey:
		return "Ed25519 public key"
	}
	return "key"
}

// keySet is an immutable snapshot of an issuer's keys.
type keySet struct {
	all   []*key
	byKID map[string][]*key
	byFP  map[string]*key
}

func newKeySet(keys []*key) (*keySet, error) {
	if len(keys) == 0 {
		return nil, errNoKeys
	}
	s := &keySet{all: keys, byKID: make(map[string][]*key, len(keys)), byFP: make(map[string]*key, len(keys))}
	symmetric := 0
	for _, k := range keys {
		if _, ok := k.pub.([]byte); ok {
			symmetric++
		}
		if k.kid != "" {
			if len(s.byKID[k.kid]) > 0 {
				return nil, fmt.Errorf("%w %q", errDuplicateKID, k.kid)
			}
			s.byKID[k.kid] = append(s.byKID[k.kid], k)
		}
		s.byFP[k.fp] = k
	}
	if symmetric != 0 && symmetric != len(keys) {
		return nil, errMixedKeys
	}
	return s, nil
}

// candidates returns the keys that may verify a token with this kid and
// alg. The kid is only ever a map key: it is never a path, a URL or a query.
func (s *keySet) candidates(kid, alg string) []*key {
	if s == nil {
		return nil
	}
	pool := s.all
	if kid != "" {
		pool = s.byKID[kid]
	}
	var out []*key
	for _, k := range pool {
		if k.fits(alg) {
			if out == nil && len(pool) == 1 {
				return pool
			}
			out = append(out, k)
		}
	}
	return out
}

// parsePEM reads one PEM public key (PKIX "PUBLIC KEY", PKCS #1 "RSA PUBLIC
// KEY" or a certificate's key).
func parsePEM(b []byte, pol keyPolicy) (*key, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var c *x509.Certificate
		if c, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = c.PublicKey
		}
	default:
		return nil, fmt.Errorf("PEM block %q is not a public key (a private key must never be configured here)", block.Type)
	}
	if err != nil {
		return nil, err
	}
	return newKey("", "", pub, pol)
}

// parseJWKS reads a JWK Set (RFC 7517 section 5) with jwkset and applies
// Rampart's policy. Keys that cannot verify signatures — "use": "enc", no
// "verify" in key_ops, an encryption or unknown alg, a weak or unsupported
// key — are skipped, as identity providers publish encryption keys beside
// signing keys. The whole set is refused when it is ambiguous or unsafe:
// duplicate kids, symmetric and asymmetric keys mixed, private key material,
// symmetric keys when remote is true, or no usable key at all.
func parseJWKS(b []byte, pol keyPolicy) (*keySet, error) {
	var raw jwkset.JWKSMarshal
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("decoding JWK Set: %w", err)
	}
	marshals := raw.Keys
	return keySetFromMarshals(marshals, pol)
}

func keySetFromMarshals(marshals []jwkset.JWKMarshal, pol keyPolicy) (*keySet, error) {
	var keys []*key
	for _, m := range marshals {
		k, err := keyFromMarshal(m, pol)
		if err != nil {
			if errors.Is(err, errPrivateKey) || errors.Is(err, errSymmetric) {
				return nil, err
			}
			continue
		}
		keys = append(keys, k)
	}
	return newKeySet(keys)
}

func keyFromMarshal(m jwkset.JWKMarshal, pol keyPolicy) (*key, error) {
	if m.D != "" || m.P != "" || m.Q != "" {
		return nil, errPrivateKey
	}
	if m.KTY == jwkset.KtyOct && pol.remote {
		return nil, errSymmetric
	}
	if m.USE != "" && m.USE != jwkset.UseSig {
		return nil, fmt.Errorf("%w: use %q", errKeyType, m.USE)
	}
	if len(m.KEYOPS) > 0 && !slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify) {
		return nil, fmt.Errorf("%w: key_ops without verify", errKeyType)
	}
	alg := string(m.ALG)
	if alg == "ES521" {
		// RFC 7520 figure 3 and some issuers spell ES512 this way.
		alg = "ES512"
	}
	if alg != "" && !slices.Contains(Algorithms, alg) {
		return nil, fmt.Errorf("%w: alg %q", errKeyType, alg)
	}
	j, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{Private: true}, jwkset.JWKValidateOptions{})
	if err != nil {
		return nil, err
	}
	k, err := newKey(m.KID, alg, j.Key(), pol)
	if err != nil {
		return nil, err
	}
	if alg != "" && !k.fits(alg) {
		return nil, fmt.Errorf("%w: key does not fit its own alg %q", errKeyType, alg)
	}
	return k, nil
}
