package tokens

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/MicahParks/jwkset"

	"github.com/rampart-api/rampart/auth/devtoken"
)

// Signing algorithms.
const (
	ES256 = "ES256"
	EdDSA = "EdDSA"
)

// signer is the key that signs new tokens.
type signer struct {
	kid      string
	alg      string
	key      crypto.Signer
	notAfter time.Time
}

// keyring is one immutable view of the keys: the signer and the JWK Set
// published, with a channel closed when a newer keyring replaces it.
type keyring struct {
	signer  *signer
	jwks    []byte
	kids    []string
	changed chan struct{}
}

func publicJWK(pub crypto.PublicKey, kid, alg string) ([]byte, error) {
	jwk, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.ALG(alg), KID: kid, USE: jwkset.UseSig},
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(jwk.Marshal())
}

func buildJWKS(jwks []json.RawMessage) []byte {
	if jwks == nil {
		jwks = []json.RawMessage{}
	}
	b, _ := json.Marshal(struct {
		Keys []json.RawMessage `json:"keys"`
	}{jwks})
	return b
}

// newKeyRecord generates and seals a key that signs from notBefore for
// rotateEvery.
func (s *Service) newKeyRecord(notBefore time.Time) (KeyRecord, error) {
	kp, err := devtoken.Keygen(s.alg)
	if err != nil {
		return KeyRecord{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(kp.Private)
	if err != nil {
		return KeyRecord{}, err
	}
	sealed, err := s.sealer.Seal(kp.KID, der)
	if err != nil {
		return KeyRecord{}, fmt.Errorf("sealing a signing key: %w", err)
	}
	pub, err := publicJWK(kp.Private.Public(), kp.KID, s.alg)
	if err != nil {
		return KeyRecord{}, err
	}
	na := notBefore.Add(s.rotateEvery)
	return KeyRecord{KID: kp.KID, Algorithm: s.alg, PublicJWK: pub, Private: sealed,
		NotBefore: notBefore, NotAfter: na, PublishUntil: na.Add(s.accessTTL + s.leeway)}, nil
}

// loadKeys reads the keys from the store, adding the next one when the
// current one is about to retire (or there is none), and installs a new
// keyring when the published set or the signer changed.
func (s *Service) loadKeys(ctx context.Context) error {
	if s.fileKeys != nil {
		return nil
	}
	now := s.now()
	recs, err := s.store.Keys(ctx)
	if err != nil {
		return err
	}
	var current *KeyRecord
	var latest time.Time
	for i := range recs {
		r := &recs[i]
		if r.Algorithm != s.alg {
			continue
		}
		if !r.NotBefore.After(now) && now.Before(r.NotAfter) && (current == nil || r.NotBefore.After(current.NotBefore)) {
			current = r
		}
		if r.NotAfter.After(latest) {
			latest = r.NotAfter
		}
	}
	var add *KeyRecord
	switch {
	case current == nil:
		// No key signs now: one that signs at once. Nothing it signs can
		// have reached a verifier that does not know it yet, except a
		// second gateway starting at the same moment, which sees it on
		// its next key poll.
		k, err := s.newKeyRecord(now)
		if err != nil {
			return err
		}
		add = &k
	case !latest.After(now.Add(s.activation)):
		// The next key is published activation ahead of signing, so
		// that every gateway and every verifier caching the JWKS knows
		// it before the first token it signs.
		k, err := s.newKeyRecord(latest)
		if err != nil {
			return err
		}
		add = &k
	}
	if add != nil {
		if err := s.store.AddKey(ctx, *add); err != nil {
			return err
		}
		return s.loadKeysOnce(ctx, now)
	}
	return s.install(recs, current, now)
}

func (s *Service) loadKeysOnce(ctx context.Context, now time.Time) error {
	recs, err := s.store.Keys(ctx)
	if err != nil {
		return err
	}
	var current *KeyRecord
	for i := range recs {
		r := &recs[i]
		if r.Algorithm == s.alg && !r.NotBefore.After(now) && now.Before(r.NotAfter) && (current == nil || r.NotBefore.After(current.NotBefore)) {
			current = r
		}
	}
	if current == nil {
		return errors.New("tokens: no signing key after adding one")
	}
	return s.install(recs, current, now)
}

func (s *Service) install(recs []KeyRecord, current *KeyRecord, now time.Time) error {
	var jwks []json.RawMessage
	var kids []string
	for _, r := range recs {
		if now.Before(r.PublishUntil) {
			jwks = append(jwks, r.PublicJWK)
			kids = append(kids, r.KID)
		}
	}
	old := s.keys.Load()
	if old != nil && old.signer.kid == current.KID && equalStrings(old.kids, kids) {
		return nil
	}
	sg := old.signerFor(current.KID)
	if sg == nil {
		der, err := s.sealer.Open(current.KID, current.Private)
		if err != nil {
			return err
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return fmt.Errorf("tokens: stored key %s: %w", current.KID, err)
		}
		cs, ok := k.(crypto.Signer)
		if !ok {
			return fmt.Errorf("tokens: stored key %s cannot sign", current.KID)
		}
		sg = &signer{kid: current.KID, alg: current.Algorithm, key: cs, notAfter: current.NotAfter}
	}
	s.swap(&keyring{signer: sg, jwks: buildJWKS(jwks), kids: kids, changed: make(chan struct{})})
	return nil
}

func (k *keyring) signerFor(kid string) *signer {
	if k != nil && k.signer.kid == kid {
		return k.signer
	}
	return nil
}

func (s *Service) swap(k *keyring) {
	old := s.keys.Swap(k)
	if old != nil {
		close(old.changed)
	}
}

// useFileKeys installs keys given as PEM files: the first signs, the
// others are only published (keys being retired by hand).
func (s *Service) useFileKeys(pems [][]byte) error {
	var jwks []json.RawMessage
	var kids []string
	var first *signer
	for i, p := range pems {
		kp, err := devtoken.ParsePrivateKey(p, "")
		if err != nil {
			return fmt.Errorf("signing key %d: %w", i+1, err)
		}
		if kp.Algorithm != ES256 && kp.Algorithm != EdDSA {
			return fmt.Errorf("signing key %d: %s keys are not used; give an ES256 or Ed25519 key", i+1, kp.Algorithm)
		}
		j, err := publicJWK(kp.Private.Public(), kp.KID, kp.Algorithm)
		if err != nil {
			return err
		}
		jwks = append(jwks, j)
		kids = append(kids, kp.KID)
		if first == nil {
			first = &signer{kid: kp.KID, alg: kp.Algorithm, key: kp.Private}
		}
	}
	if first == nil {
		return errors.New("tokens: no signing key file")
	}
	s.alg = first.alg
	s.fileKeys = pems
	s.swap(&keyring{signer: first, jwks: buildJWKS(jwks), kids: kids, changed: make(chan struct{})})
	return nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// publishedKey returns the public key kid of the keyring's JWK Set.
func (s *Service) publishedKey(kr *keyring, kid string) (any, error) {
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(kr.jwks, &set); err != nil {
		return nil, err
	}
	for _, m := range set.Keys {
		if m.KID != kid {
			continue
		}
		j, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			return nil, err
		}
		return j.Key(), nil
	}
	return nil, ErrNotFound
}
