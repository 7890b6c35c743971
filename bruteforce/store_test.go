package bruteforce_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rampart-api/rampart/bruteforce"
)

// TestMemoryStoreBounded floods a small store with new usernames. It never
// holds more than MaxKeys; running lockouts survive while unlocked entries
// can be dropped instead, and only when lockouts fill the store do they go
// too (the documented last resort that keeps memory bounded).
func TestMemoryStoreBounded(t *testing.T) {
	const maxKeys = 100
	now := time.Unix(1_800_000_000, 0)
	s := &bruteforce.MemoryStore{MaxKeys: maxKeys, Now: func() time.Time { return now }}
	ctx := context.Background()
	lock := bruteforce.Policy{MaxFailures: 1, Window: time.Minute, Lockout: time.Hour, MaxLockout: time.Hour, Forget: time.Hour}
	count := bruteforce.Policy{MaxFailures: 1 << 30, Window: time.Minute, Lockout: time.Hour, MaxLockout: time.Hour, Forget: time.Hour}
	locked := func(key string) bool {
		a, err := s.Attempt(ctx, bruteforce.Counter{Key: key, Policy: count})
		if err != nil {
			t.Fatal(err)
		}
		if a.Locked == 0 {
			// Take the probe back so that it leaves no trace.
			if err := s.Refund(ctx, key, false); err != nil {
				t.Fatal(err)
			}
		}
		return a.Locked != 0
	}
	const victims = 10
	for i := range victims {
		if _, err := s.Attempt(ctx, bruteforce.Counter{Key: "bf:u:victim" + strconv.Itoa(i), Policy: lock}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 * maxKeys {
		if _, err := s.Attempt(ctx, bruteforce.Counter{Key: "bf:u:flood" + strconv.Itoa(i), Policy: count}); err != nil {
			t.Fatal(err)
		}
		if n := s.Len(); n > maxKeys {
			t.Fatalf("%d keys after %d new usernames, MaxKeys %d", n, i+1, maxKeys)
		}
	}
	for i := range victims {
		if !locked("bf:u:victim" + strconv.Itoa(i)) {
			t.Fatalf("victim%d's lockout was lifted by a flood of unlocked usernames", i)
		}
	}

	// Lockouts alone filling the store: it stays bounded, and some go.
	for i := range 2 * maxKeys {
		if _, err := s.Attempt(ctx, bruteforce.Counter{Key: "bf:u:lock" + strconv.Itoa(i), Policy: lock}); err != nil {
			t.Fatal(err)
		}
		if n := s.Len(); n > maxKeys {
			t.Fatalf("%d keys after %d lockouts, MaxKeys %d", n, i+1, maxKeys)
		}
	}
}
