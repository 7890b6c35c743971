package tokens

import (
	"sync"
	"sync/atomic"
	"time"
)

// RevocationSet is the in-memory set of revoked access-token ids, kept in
// sync from the store. [RevocationSet.Revoked] is a lock-free read of an
// immutable map (an atomic pointer load and one lookup, no allocation);
// writers copy the map, which is cheap because revocations are rare and
// every entry leaves the set when its token would have expired anyway.
// It is safe for concurrent use.
type RevocationSet struct {
	m  atomic.Pointer[map[string]int64] // jti → expiry, Unix ms
	mu sync.Mutex                       // serialises writers
}

// NewRevocationSet returns an empty set.
func NewRevocationSet() *RevocationSet {
	s := &RevocationSet{}
	m := map[string]int64{}
	s.m.Store(&m)
	return s
}

// Revoked reports whether the access token jti has been revoked.
func (s *RevocationSet) Revoked(jti string) bool {
	_, ok := (*s.m.Load())[jti]
	return ok
}

// Len returns the number of entries.
func (s *RevocationSet) Len() int { return len(*s.m.Load()) }

// Add puts revocations in the set and drops entries expired at now.
func (s *RevocationSet) Add(now time.Time, rs ...Revocation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.m.Load()
	cut := now.UnixMilli()
	m := make(map[string]int64, len(old)+len(rs))
	for k, v := range old {
		if v > cut {
			m[k] = v
		}
	}
	for _, r := range rs {
		if e := r.ExpiresAt.UnixMilli(); e > cut {
			m[r.JTI] = e
		}
	}
	s.m.Store(&m)
}
