package memory

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
	"sync"
	"time"

	"github.com/rampart-api/rampart/ratelimit"
)

// Defaults for [Config].
const (
	DefaultMaxKeys = 1 << 20
	DefaultShards  = 64
)

// Config configures a [Limiter].
type Config struct {
	// Limit is the rate enforced for every key.
	Limit ratelimit.Limit
	// MaxKeys bounds the number of keys held; when full, the least
	// recently used key is evicted (which forgets its history: that key
	// starts afresh). 0 means [DefaultMaxKeys].
	MaxKeys int
	// Shards is the number of independently locked partitions, rounded up
	// to a power of two; 0 means [DefaultShards].
	Shards int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("memory: invalid config")

// Limiter is an in-process GCRA limiter. It is safe for concurrent use;
// Allow does not allocate for a key it already holds. State lives in this
// process only: gateways sharing a limit need the redis store.
type Limiter struct {
	limit  ratelimit.Limit
	seed   maphash.Seed
	shards []shard
	mask   uint64
	now    func() time.Time
	// epoch makes times monotonic offsets, so that a wall-clock step
	// neither lifts nor extends limits.
	epoch time.Time
}

var _ ratelimit.BytesLimiter = (*Limiter)(nil)

const none = -1

type slot struct {
	key        string
	tat        int64
	prev, next int32
}

// shard is an LRU of keys: a map to slot indices and a doubly linked list
// threaded through a slice, so that moving and evicting never allocates.
type shard struct {
	mu         sync.Mutex
	idx        map[string]int32
	slots      []slot
	head, tail int32 // most and least recently used
	free       int32
	max        int
	_          [32]byte // keep neighbouring shards' locks on separate cache lines
}

// New returns a Limiter, reporting every problem with cfg at once.
func New(cfg Config) (*Limiter, error) {
	var errs []error
	if err := cfg.Limit.Validate(); err != nil {
		errs = append(errs, err)
	}
	if cfg.MaxKeys < 0 {
		errs = append(errs, fmt.Errorf("%w: MaxKeys %d is negative", ErrConfig, cfg.MaxKeys))
	}
	if cfg.Shards < 0 || cfg.Shards > 1<<16 {
		errs = append(errs, fmt.Errorf("%w: Shards %d is outside 0..65536", ErrConfig, cfg.Shards))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.Shards == 0 {
		cfg.Shards = DefaultShards
	}
	n := 1 << bits.Len(uint(cfg.Shards-1))
	for n > 1 && cfg.MaxKeys/n < 1 {
		n /= 2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	l := &Limiter{limit: cfg.Limit, seed: maphash.MakeSeed(), shards: make([]shard, n), mask: uint64(n - 1), now: cfg.Now}
	l.epoch = l.now()
	per := cfg.MaxKeys / n
	for i := range l.shards {
		s := &l.shards[i]
		s.idx = make(map[string]int32)
		s.head, s.tail, s.free = none, none, none
		s.max = per
	}
	return l, nil
}

// Allow implements [ratelimit.Limiter]. It never returns a store error.
func (l *Limiter) Allow(_ context.Context, key string, n int) (ratelimit.Decision, error) {
	return l.allow(maphash.String(l.seed, key), key, nil, n)
}

// AllowBytes implements [ratelimit.BytesLimiter]: Allow for the key held
// in key, which it does not keep. A key it has not seen is copied when
// stored; one it holds is looked up without a copy, so a decision on a
// known key allocates nothing.
func (l *Limiter) AllowBytes(_ context.Context, key []byte, n int) (ratelimit.Decision, error) {
	return l.allow(maphash.Bytes(l.seed, key), "", key, n)
}

// allow decides for the key kb when it is not nil, else for key; h is
// the key's hash.
func (l *Limiter) allow(h uint64, key string, kb []byte, n int) (ratelimit.Decision, error) {
	if n < 0 {
		return ratelimit.Decision{Limit: l.limit}, ratelimit.ErrNegativeN
	}
	now := int64(l.now().Sub(l.epoch))
	s := &l.shards[h&l.mask]
	s.mu.Lock()
	var i int32
	var ok bool
	if kb != nil {
		i, ok = s.idx[string(kb)] // a lookup converts without allocating
	} else {
		i, ok = s.idx[key]
	}
	var tat int64
	if ok {
		tat = s.slots[i].tat
	}
	newTAT, d := ratelimit.GCRA(tat, now, l.limit, n)
	switch {
	case ok:
		s.slots[i].tat = newTAT
		s.touch(i)
	case newTAT > now:
		if kb != nil {
			key = string(kb)
		}
		s.insert(key, newTAT, now)
	}
	s.mu.Unlock()
	return d, nil
}

// Len returns the number of keys held.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.idx)
		s.mu.Unlock()
	}
	return n
}

func (s *shard) unlink(i int32) {
	e := &s.slots[i]
	if e.prev != none {
		s.slots[e.prev].next = e.next
	} else {
		s.head = e.next
	}
	if e.next != none {
		s.slots[e.next].prev = e.prev
	} else {
		s.tail = e.prev
	}
}

func (s *shard) pushFront(i int32) {
	e := &s.slots[i]
	e.prev, e.next = none, s.head
	if s.head != none {
		s.slots[s.head].prev = i
	}
	s.head = i
	if s.tail == none {
		s.tail = i
	}
}

func (s *shard) touch(i int32) {
	if s.head == i {
		return
	}
	s.unlink(i)
	s.pushFront(i)
}

// expireScan bounds the expired keys dropped per insert, so that cleaning
// is spread over inserts instead of pausing one.
const expireScan = 4

func (s *shard) insert(key string, tat, now int64) {
	// A key whose TAT has passed is indistinguishable from an absent one,
	// so dropping it loses nothing. The LRU tail expires first.
	for j := 0; j < expireScan && s.tail != none && s.slots[s.tail].tat <= now; j++ {
		t := s.tail
		s.unlink(t)
		delete(s.idx, s.slots[t].key)
		s.slots[t] = slot{next: s.free}
		s.free = t
	}
	var i int32
	switch {
	case len(s.idx) >= s.max:
		i = s.tail
		s.unlink(i)
		delete(s.idx, s.slots[i].key)
	case s.free != none:
		i = s.free
		s.free = s.slots[i].next
	default:
		s.slots = append(s.slots, slot{})
		i = int32(len(s.slots) - 1)
	}
	s.slots[i] = slot{key: key, tat: tat}
	s.pushFront(i)
	s.idx[key] = i
}

// Store makes memory limiters; it implements [ratelimit.Store] and is the
// usual Fallback for on_store_error: local.
type Store struct {
	MaxKeys int
	Shards  int
	Now     func() time.Time
}

var _ ratelimit.Store = Store{}

// NewLimiter implements [ratelimit.Store].
func (s Store) NewLimiter(l ratelimit.Limit) (ratelimit.Limiter, error) {
	return New(Config{Limit: l, MaxKeys: s.MaxKeys, Shards: s.Shards, Now: s.Now})
}
