package jwt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
	"unsafe"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/rampart-api/rampart"
)

const cacheShards = 16

// cache remembers verified tokens so that a signature is checked once per
// token rather than once per request. It is keyed by a keyed hash of the
// token (see [cache.key]; the token itself is never stored; for an issuer
// that accepts high S, of the token's low-S form, see [lowSForm]), bounded
// in entries, and each entry carries the instant it stops being valid (no
// later than the token's exp) and the fingerprint of the key that verified
// it, which is looked up in the issuer's current key set on every hit: a
// key rotated out of the JWKS takes its cached tokens with it. It is safe
// for concurrent use.
//
// It is the bounded LRU cache the other caches use (golang-lru), split
// into shards by the key's first byte so that concurrent requests rarely
// wait on one lock: get and put are O(1), and a full shard evicts its
// least recently used entry.
type cache struct {
	shards [cacheShards]*lru.Cache[tokenKey, *cacheEntry]
	// ghash and prp key the cache (see [cache.key]); ghash is nil where
	// AES-GCM with a fixed nonce is refused (GODEBUG=fips140=only), and
	// the key is then the token's SHA-256.
	ghash cipher.AEAD
	prp   cipher.Block
	bufs  sync.Pool // *[aes.BlockSize]byte, for the tag of one lookup
}

// tokenKey is the cache key of a token.
type tokenKey [sha256.Size]byte

// fixedNonce is the nonce of every tag: see [cache.key].
var fixedNonce [12]byte

type cacheEntry struct {
	principal *rampart.Principal
	until     time.Time
	iss       *issuer
	fp        string
	// twins is set when the token was verified with an ECDSA key for an
	// issuer that accepts high S: the entry is then stored under the
	// low-S form's hash and also serves the high-S twin.
	twins bool
	// jti is the token's id, checked against the revocation set on every
	// hit.
	jti string
}

// newCache returns a cache of at most maxEntries entries (at least one
// per shard).
func newCache(maxEntries int) *cache {
	c := &cache{}
	perShard := max(1, maxEntries/cacheShards)
	for i := range c.shards {
		c.shards[i], _ = lru.New[tokenKey, *cacheEntry](perShard) // errors only for size <= 0
	}
	// Two independent keys, drawn once: they never leave the process.
	var k [32]byte
	rand.Read(k[:])
	g, err := aes.NewCipher(k[:16])
	if err == nil {
		c.ghash, err = cipher.NewGCM(g)
	}
	if err == nil {
		c.prp, err = aes.NewCipher(k[16:])
	}
	if err != nil {
		c.ghash, c.prp = nil, nil
	}
	c.bufs.New = func() any { return new([aes.BlockSize]byte) }
	return c
}

// key returns the cache key of tok: AES, under a key of its own, of the
// GHASH of tok, as AES-GCM computes it over additional data with no
// plaintext. GHASH under a secret key is a universal hash (two distinct
// tokens of at most n blocks share a value with probability at most
// (n+1)/2^128) and AES is a pseudorandom permutation, so the key is a
// pseudorandom function of the token: without the keys, which are drawn
// at random per cache and never leave the process, no token can be
// crafted to share a key with a cached one, and whatever the cache's
// timing may reveal of a key (its shard, say) tells nothing of the keys.
// A fixed nonce weakens GCM only when its tags or ciphertexts are seen;
// here they are not even kept (only the AES of the tag is). It is about a
// third of the cost of SHA-256 with SHA extensions, and a tenth without.
// The token is not copied and not stored. Where AES-GCM with a fixed nonce
// is refused (FIPS 140-only mode) the key is the token's SHA-256, which no
// one can make collide either.
func (c *cache) key(tok string) tokenKey {
	if c.ghash == nil {
		return hashToken(tok)
	}
	buf := c.bufs.Get().(*[aes.BlockSize]byte)
	c.ghash.Seal(buf[:0], fixedNonce[:], nil, unsafe.Slice(unsafe.StringData(tok), len(tok)))
	c.prp.Encrypt(buf[:], buf[:])
	var k tokenKey
	copy(k[:], buf[:])
	c.bufs.Put(buf)
	return k
}

func (c *cache) shard(h *tokenKey) *lru.Cache[tokenKey, *cacheEntry] {
	return c.shards[h[0]%cacheShards]
}

// get returns the cached entry for h when it is still valid at now and its
// key is still in its issuer's set; otherwise it forgets the entry.
func (c *cache) get(h *tokenKey, now time.Time) *cacheEntry {
	s := c.shard(h)
	e, ok := s.Get(*h)
	if !ok {
		return nil
	}
	if now.Before(e.until) && e.iss.hasKey(e.fp) {
		return e
	}
	// A fresh entry put for h meanwhile may go too: the token is then
	// verified once more, never accepted without verification.
	s.Remove(*h)
	return nil
}

// put stores e under h, evicting the shard's least recently used entry
// when it is full.
func (c *cache) put(h *tokenKey, e *cacheEntry) {
	c.shard(h).Add(*h, e)
}

// len returns the number of entries, for tests.
func (c *cache) len() int {
	n := 0
	for _, s := range c.shards {
		n += s.Len()
	}
	return n
}
