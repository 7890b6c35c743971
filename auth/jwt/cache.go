package jwt

import (
	"crypto/sha256"
	"sync"
	"time"

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
type cache struct {
	shards   [cacheShards]cacheShard
	perShard int
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]*cacheEntry
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
}

func newCache(maxEntries int) *cache {
	c := &cache{perShard: max(1, maxEntries/cacheShards)}
	for i := range c.shards {
		c.shards[i].m = make(map[[sha256.Size]byte]*cacheEntry)
	}
	return c
}

func (c *cache) shard(h *[sha256.Size]byte) *cacheShard {
	return &c.shards[h[0]%cacheShards]
}

// get returns the cached entry for h when it is still valid at now and its
// key is still in its issuer's set; otherwise it forgets the entry.
func (c *cache) get(h *[sha256.Size]byte, now time.Time) *cacheEntry {
	s := c.shard(h)
	s.mu.RLock()
	e := s.m[*h]
	s.mu.RUnlock()
	if e == nil {
		return nil
	}
	if now.Before(e.until) && e.iss.hasKey(e.fp) {
		return e
	}
	s.mu.Lock()
	if s.m[*h] == e {
		delete(s.m, *h)
	}
	s.mu.Unlock()
	return nil
}

// put stores e under h. A full shard first drops expired entries, then an
// arbitrary one (map iteration order is randomised), which keeps every
// operation O(1) amortised without an LRU list to contend on.
func (c *cache) put(h *[sha256.Size]byte, e *cacheEntry, now time.Time) {
	s := c.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[*h]; !ok && len(s.m) >= c.perShard {
		evicted := false
		for k, old := range s.m {
			if !now.Before(old.until) {
				delete(s.m, k)
				evicted = true
			}
		}
		if !evicted {
			for k := range s.m {
				delete(s.m, k)
				break
			}
		}
	}
	s.m[*h] = e
}

// len returns the number of entries, for tests.
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
