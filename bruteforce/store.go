package bruteforce

import (
	"context"
	"sync"
	"time"
)

// Policy is what a [Store] needs to count failures under one key.
type Policy struct {
	// MaxFailures within Window start a lockout.
	MaxFailures int
	Window      time.Duration
	// Lockout is the first lockout; each next one doubles, up to
	// MaxLockout.
	Lockout    time.Duration
	MaxLockout time.Duration
	// Forget is how long after a lockout ends its level is remembered:
	// failing again within it locks for twice as long.
	Forget time.Duration
}

// lockFor returns the lockout of the given level (1 for the first).
func (p Policy) lockFor(level int) time.Duration {
	d := p.Lockout
	for i := 1; i < level && d < p.MaxLockout; i++ {
		d *= 2
	}
	return min(d, p.MaxLockout)
}

// Counter is one key an attempt counts under, with its policy.
type Counter struct {
	Key    string
	Policy Policy
}

// Attempt is what [Store.Attempt] reports.
type Attempt struct {
	// Locked is the longest lockout already running among the keys;
	// when it is not zero, nothing was counted.
	Locked time.Duration
	// Started holds, for each counter, the lockout this attempt started
	// by reaching its MaxFailures, or 0. Nil when Locked is set.
	Started []time.Duration
}

// Store counts login attempts and holds lockouts. An attempt is counted
// before the upstream answers and refunded when it turns out not to be a
// failure, so that concurrent attempts can never exceed a limit: the
// check and the count are one step. Implementations are safe for
// concurrent use, and each method is one atomic step (one script run and
// one round trip in Redis).
type Store interface {
	// Attempt refuses when any key is locked, returning the longest
	// lockout; otherwise it counts one attempt under every key and
	// starts a lockout for each key whose count reaches its MaxFailures.
	Attempt(ctx context.Context, counters ...Counter) (Attempt, error)
	// Refund takes back one counted attempt under key that was not a
	// failure. When started, the attempt had started key's lockout,
	// which is lifted and its level lowered again.
	Refund(ctx context.Context, key string, started bool) error
	// Reset forgets key's attempts and lockout level.
	Reset(ctx context.Context, key string) error
}

// DefaultMaxKeys bounds a [MemoryStore] whose MaxKeys is zero.
const DefaultMaxKeys = 100_000

// MemoryStore is an in-process [Store]. It is safe for concurrent use.
// When full it drops expired entries, then unlocked ones, before any
// running lockout, so that flooding it with new usernames does not lift
// a lock early while unlocked entries remain. When running lockouts fill
// more than nine tenths of MaxKeys, it drops arbitrary running lockouts
// too: memory stays bounded, and an attacker who can lock that many keys
// can then lift some locks by flooding. Size MaxKeys well above the
// lockouts expected at once, or use a shared store.
type MemoryStore struct {
	// MaxKeys bounds the entries held; 0 means [DefaultMaxKeys].
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu sync.Mutex
	m  map[string]*entry
}

var _ Store = (*MemoryStore)(nil)

type entry struct {
	failures    int
	windowEnd   int64
	level       int
	levelEnd    int64
	lockedUntil int64
}

func (s *MemoryStore) now() int64 {
	if s.Now != nil {
		return s.Now().UnixNano()
	}
	return time.Now().UnixNano()
}

// Attempt implements [Store].
func (s *MemoryStore) Attempt(_ context.Context, counters ...Counter) (Attempt, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var longest int64
	for _, c := range counters {
		if e := s.m[c.Key]; e != nil && e.lockedUntil-now > longest {
			longest = e.lockedUntil - now
		}
	}
	if longest > 0 {
		return Attempt{Locked: time.Duration(longest)}, nil
	}
	if s.m == nil {
		s.m = make(map[string]*entry)
	}
	started := make([]time.Duration, len(counters))
	for i, c := range counters {
		started[i] = s.count(now, c.Key, c.Policy)
	}
	return Attempt{Started: started}, nil
}

// count records one attempt under key and returns the lockout it started,
// or 0. s.mu is held.
func (s *MemoryStore) count(now int64, key string, p Policy) time.Duration {
	e := s.m[key]
	if e == nil {
		s.makeRoom(now)
		e = &entry{}
		s.m[key] = e
	}
	if now >= e.windowEnd {
		e.failures, e.windowEnd = 0, now+int64(p.Window)
	}
	if now >= e.levelEnd {
		e.level = 0
	}
	e.failures++
	if e.failures < p.MaxFailures {
		return 0
	}
	e.failures, e.windowEnd = 0, 0
	e.level++
	d := p.lockFor(e.level)
	e.lockedUntil = now + int64(d)
	e.levelEnd = e.lockedUntil + int64(p.Forget)
	return d
}

// Refund implements [Store].
func (s *MemoryStore) Refund(_ context.Context, key string, started bool) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil {
		return nil
	}
	switch {
	case started:
		e.lockedUntil = 0
		if e.level > 0 {
			e.level--
		}
		if e.level == 0 {
			e.levelEnd = 0
		}
	case e.failures > 0 && now < e.windowEnd:
		e.failures--
	}
	return nil
}

// Reset implements [Store].
func (s *MemoryStore) Reset(_ context.Context, key string) error {
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
	return nil
}

// Len returns the number of keys held.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// makeRoom frees at least a tenth of the store when it is full, so that
// the O(n) sweep is amortised over many inserts: expired entries first,
// then unlocked ones, then, as a last resort, running lockouts.
func (s *MemoryStore) makeRoom(now int64) {
	limit := s.MaxKeys
	if limit <= 0 {
		limit = DefaultMaxKeys
	}
	if len(s.m) < limit {
		return
	}
	target := limit - limit/10 - 1
	for k, e := range s.m {
		if now >= e.windowEnd && now >= e.levelEnd && now >= e.lockedUntil {
			delete(s.m, k)
		}
	}
	for k, e := range s.m {
		if len(s.m) <= target {
			return
		}
		if now >= e.lockedUntil {
			delete(s.m, k)
		}
	}
	for k := range s.m {
		if len(s.m) <= target {
			return
		}
		delete(s.m, k)
	}
}
