package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
)

// Shared holds what may outlive one compiled configuration: in-memory
// rate-limit counters and brute-force lockouts, verified-token and JWKS
// caches, Redis clients and upstream transports. Each is filed under the
// canonical form of the settings it was made from; a configuration
// compiled with the same settings gets the same value back, so a reload
// of an unchanged file keeps every count, lockout, cached key and idle
// upstream connection. A value whose settings no configuration uses any
// more is closed when the last configuration holding it is closed.
//
// A [Server] keeps one Shared for its lifetime. It is safe for concurrent
// use.
type Shared struct {
	mu sync.Mutex
	m  map[string]*sharedEntry
}

type sharedEntry struct {
	v     any
	close func() error // nil: nothing to release
	refs  int
}

// NewShared returns an empty registry.
func NewShared() *Shared { return &Shared{m: map[string]*sharedEntry{}} }

// Len is the number of values held.
func (s *Shared) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// acquire returns the value filed under key, making it with mk when there
// is none, and counts one more holder. mk runs under the registry's lock:
// a slow one (a first JWKS fetch) delays other builds and closes, never a
// request, which does not use the registry.
func (s *Shared) acquire(key string, mk func() (any, func() error, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[key]; ok {
		e.refs++
		return e.v, nil
	}
	v, closeFn, err := mk()
	if err != nil {
		return nil, err
	}
	s.m[key] = &sharedEntry{v: v, close: closeFn, refs: 1}
	return v, nil
}

// release drops one holder of key and closes its value when it was the
// last.
func (s *Shared) release(key string) error {
	s.mu.Lock()
	e, ok := s.m[key]
	if !ok {
		s.mu.Unlock()
		return errors.New("gateway: releasing an unknown shared value")
	}
	e.refs--
	last := e.refs == 0
	if last {
		delete(s.m, key)
	}
	s.mu.Unlock()
	if last && e.close != nil {
		return e.close()
	}
	return nil
}

// shared returns the value under kind and settings for g, which releases
// it when it is closed. settings is the canonical form of everything the
// value depends on; it is hashed, so it may contain secrets.
func shared[T any](g *Gateway, kind, settings string, mk func() (T, func() error, error)) (T, error) {
	sum := sha256.Sum256([]byte(settings))
	key := kind + ":" + hex.EncodeToString(sum[:])
	v, err := g.opts.Shared.acquire(key, func() (any, func() error, error) { return mk() })
	if err != nil {
		var zero T
		return zero, err
	}
	g.closers = append(g.closers, closerFunc(func() error { return g.opts.Shared.release(key) }))
	return v.(T), nil
}
