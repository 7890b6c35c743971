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

// Store counts login failures and holds lockouts. Implementations are
// safe for concurrent use, and each method is one atomic step (one
// script run or one round trip in Redis).
type Store interface {
	// Locked returns the longest lockout still running among keys, or 0.
	Locked(ctx context.Context, keys ...string) (time.Duration, error)
	// Fail records one failure under key and returns the lockout it
	// started, or 0.
	Fail(ctx context.Context, key string, p Policy) (time.Duration, error)
	// Reset forgets key's failures and lockout level.
	Reset(ctx context.Context, key string) error
}

// DefaultMaxKeys bounds a [MemoryStore] whose MaxKeys is zero.
const DefaultMaxKeys = 100_000

// MemoryStore is an in-process [Store]. It is safe for concurrent use.
// When full it drops expired entries, then unlocked ones, before any
// running lockout, so that flooding it with new usernames cannot lift a
// lock early.
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

// Locked implements [Store].
func (s *MemoryStore) Locked(_ context.Context, keys ...string) (time.Duration, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var longest int64
	for _, k := range keys {
		if e := s.m[k]; e != nil && e.lockedUntil-now > longest {
			longest = e.lockedUntil - now
		}
	}
	return time.Duration(longest), nil
}

// Fail implements [Store].
func (s *MemoryStore) Fail(_ context.Context, key string, p Policy) (time.Duration, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]*entry)
	}
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
		return 0, nil
	}
	e.failures, e.windowEnd = 0, 0
	e.level++
	d := p.lockFor(e.level)
	e.lockedUntil = now + int64(d)
	e.levelEnd = e.lockedUntil + int64(p.Forget)
	return d, nil
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
// the O(n) sweep is amortised over many inserts.
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
