package jwt

import (
	"crypto/fips140"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
)

func cacheIssuer(fps ...string) *issuer {
	iss := &issuer{name: "test"}
	ks := &keySet{byFP: map[string]*key{}}
	for _, fp := range fps {
		ks.byFP[fp] = &key{}
	}
	iss.keys.Store(ks)
	return iss
}

func cacheKey(i int) *tokenKey {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	h := tokenKey(sha256.Sum256(b[:]))
	return &h
}

// TestCacheBounded floods the cache with ten times its size in distinct
// tokens, as an attacker presenting fresh valid tokens would: it never
// holds more than its bound, and the most recent entries are still there.
func TestCacheBounded(t *testing.T) {
	for _, size := range []int{1, 16, 100, 1024} {
		c := newCache(size)
		bound := cacheShards * max(1, size/cacheShards)
		iss := cacheIssuer("k")
		until := testNow.Add(time.Hour)
		for i := range 10 * bound {
			c.put(cacheKey(i), &cacheEntry{principal: &rampart.Principal{}, until: until, iss: iss, fp: "k"})
			if n := c.len(); n > bound {
				t.Fatalf("size %d: %d entries after %d puts, bound %d", size, n, i+1, bound)
			}
		}
		if c.get(cacheKey(10*bound-1), testNow) == nil {
			t.Fatalf("size %d: the latest entry was evicted", size)
		}
	}
}

// TestCacheEvictsLeastRecentlyUsed checks that a token in use survives a
// flood of new ones into its shard.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newCache(2 * cacheShards)
	iss := cacheIssuer("k")
	until := testNow.Add(time.Hour)
	entry := func() *cacheEntry {
		return &cacheEntry{principal: &rampart.Principal{}, until: until, iss: iss, fp: "k"}
	}
	hot := cacheKey(0)
	c.put(hot, entry())
	// Keys landing in hot's shard.
	n := 0
	for i := 1; n < 20; i++ {
		h := cacheKey(i)
		if h[0]%cacheShards != hot[0]%cacheShards {
			continue
		}
		n++
		c.put(h, entry())
		if c.get(hot, testNow) == nil {
			t.Fatalf("the entry in use was evicted by the %d-th new one", n)
		}
	}
}

func TestCacheForgetsExpiredAndRotated(t *testing.T) {
	iss := cacheIssuer("old")
	c := newCache(64)
	expired, rotated, good := cacheKey(1), cacheKey(2), cacheKey(3)
	c.put(expired, &cacheEntry{principal: &rampart.Principal{}, until: testNow, iss: iss, fp: "old"})
	c.put(rotated, &cacheEntry{principal: &rampart.Principal{}, until: testNow.Add(time.Hour), iss: iss, fp: "gone"})
	c.put(good, &cacheEntry{principal: &rampart.Principal{}, until: testNow.Add(time.Hour), iss: iss, fp: "old"})
	if c.get(expired, testNow) != nil {
		t.Fatal("an entry was served at its expiry instant")
	}
	if c.get(rotated, testNow) != nil {
		t.Fatal("an entry whose key left the key set was served")
	}
	if c.get(good, testNow) == nil {
		t.Fatal("a valid entry was not served")
	}
	if n := c.len(); n != 1 {
		t.Fatalf("%d entries left, want the valid one only", n)
	}
}

// The cache key is a function of the token under the cache's own secret
// keys: one token has one key in a cache, distinct tokens (down to one
// byte, or a length) have distinct keys, and another cache keys the same
// token differently. Where AES-GCM is unavailable it is the SHA-256.
func TestCacheKey(t *testing.T) {
	c, other := newCache(16), newCache(16)
	if fips140.Enforced() {
		if c.ghash != nil {
			t.Fatal("AES-GCM with a fixed nonce built where FIPS 140 is enforced")
		}
		t.Skip("FIPS 140 enforced: the key is the SHA-256 (TestCacheKeyWithoutGCM)")
	}
	if c.ghash == nil {
		t.Fatal("no AES-GCM: the cache would key by SHA-256")
	}
	tok := "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln"
	k := c.key(tok)
	if c.key(tok) != k {
		t.Fatal("one token, two keys")
	}
	if other.key(tok) == k {
		t.Fatal("two caches share a key: the key is not secret")
	}
	if k == tokenKey(sha256.Sum256([]byte(tok))) {
		t.Fatal("the key is the bare SHA-256")
	}
	seen := map[tokenKey]string{}
	for _, s := range []string{"", "a", "b", tok, tok + "A", tok[:len(tok)-1], tok + "\x00", "\x00" + tok, strings.Repeat("A", 1500), strings.Repeat("A", 1501)} {
		kk := c.key(s)
		if prev, dup := seen[kk]; dup {
			t.Fatalf("%q and %q share a key", prev, s)
		}
		seen[kk] = s
	}
}

// Without AES-GCM the cache key is the token's SHA-256, short or long.
func TestCacheKeyWithoutGCM(t *testing.T) {
	c := newCache(16)
	c.ghash, c.prp = nil, nil
	tok := "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln"
	if c.key(tok) != tokenKey(sha256.Sum256([]byte(tok))) || c.key(strings.Repeat("A", 1500)) != tokenKey(sha256.Sum256([]byte(strings.Repeat("A", 1500)))) {
		t.Fatal("without AES-GCM the key is not the SHA-256")
	}
}
