package jwt

import (
	"crypto/sha256"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/rampart-api/rampart"
)

const cacheShards = 16

// cache remembers verified tokens so that a signature is checked once per
// token rather than once per request. It is keyed by the SHA-256 of the
// token (the token itself is never stored; for an issuer that accepts high
// S, of the token's low-S form, see [lowSKey]), bounded in entries, and each
// entry carries the instant it stops being valid (no later than the token's
// exp) and the fingerprint of the key that verified it, which is looked up
// in the issuer's current key set on every hit: a key rotated out of the
// JWKS takes its cached tokens with it. It is safe for concurrent use.
//
// It is the bounded LRU cache the other caches use (golang-lru), split
// into shards by the hash's first byte so that concurrent requests rarely
// wait on one lock: get and put are O(1), and a full shard evicts its
// least recently used entry.
type cache struct {
	shards [cacheShards]*lru.Cache[[sha256.Size]byte, *cacheEntry]
}

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
		c.shards[i], _ = lru.New[[sha256.Size]byte, *cacheEntry](perShard) // errors only for size <= 0
	}
	return c
}

func (c *cache) shard(h *[sha256.Size]byte) *lru.Cache[[sha256.Size]byte, *cacheEntry] {
	return c.shards[h[0]%cacheShards]
}

// get returns the cached entry for h when it is still valid at now and its
// key is still in its issuer's set; otherwise it forgets the entry.
func (c *cache) get(h *[sha256.Size]byte, now time.Time) *cacheEntry {
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
func (c *cache) put(h *[sha256.Size]byte, e *cacheEntry) {
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
