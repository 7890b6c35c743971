package bruteforcetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-api/rampart/bruteforce"
)

// Run runs the suite. newStore returns an empty store; keys never repeat
// between calls within one Run.
func Run(t *testing.T, newStore func(t *testing.T) bruteforce.Store) {
	ctx := context.Background()
	pol := func(n int) bruteforce.Policy {
		return bruteforce.Policy{MaxFailures: n, Window: time.Hour, Lockout: time.Hour, MaxLockout: 4 * time.Hour, Forget: time.Hour}
	}
	attempt := func(t *testing.T, s bruteforce.Store, cs ...bruteforce.Counter) bruteforce.Attempt {
		t.Helper()
		a, err := s.Attempt(ctx, cs...)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	t.Run("concurrent attempts never pass the limit", func(t *testing.T) {
		s := newStore(t)
		user := bruteforce.Counter{Key: "bf:u:race", Policy: pol(5)}
		ip := bruteforce.Counter{Key: "bf:ip:race", Policy: pol(20)}
		var admitted, started atomic.Int32
		var wg sync.WaitGroup
		for range 60 {
			wg.Go(func() {
				a, err := s.Attempt(ctx, user, ip)
				if err != nil {
					t.Error(err)
					return
				}
				if a.Locked == 0 {
					admitted.Add(1)
					if a.Started[0] > 0 {
						started.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if admitted.Load() != 5 || started.Load() != 1 {
			t.Fatalf("%d attempts admitted, %d lockouts started; want 5 and 1", admitted.Load(), started.Load())
		}
	})

	t.Run("a locked attempt counts nothing", func(t *testing.T) {
		s := newStore(t)
		user := bruteforce.Counter{Key: "bf:u:locked", Policy: pol(1)}
		ip := bruteforce.Counter{Key: "bf:ip:locked", Policy: pol(2)}
		if a := attempt(t, s, user); a.Started[0] != time.Hour {
			t.Fatalf("first lockout %v", a.Started[0])
		}
		for range 3 {
			if a := attempt(t, s, user, ip); a.Locked <= 0 || a.Locked > time.Hour {
				t.Fatalf("locked user: %+v", a)
			}
		}
		if a := attempt(t, s, ip); a.Locked != 0 || a.Started[0] != 0 {
			t.Fatalf("the IP was counted during the lockout: %+v", a)
		}
	})

	t.Run("refund uncounts", func(t *testing.T) {
		s := newStore(t)
		c := bruteforce.Counter{Key: "bf:ip:refund", Policy: pol(3)}
		attempt(t, s, c)
		attempt(t, s, c)
		if err := s.Refund(ctx, c.Key, false); err != nil {
			t.Fatal(err)
		}
		if a := attempt(t, s, c); a.Started[0] != 0 {
			t.Fatal("refund not taken back: third attempt locked")
		}
		if a := attempt(t, s, c); a.Started[0] != time.Hour {
			t.Fatalf("third counted attempt: %+v", a)
		}
	})

	t.Run("refund of the attempt that locked lifts the lockout", func(t *testing.T) {
		s := newStore(t)
		c := bruteforce.Counter{Key: "bf:ip:lift", Policy: pol(1)}
		if a := attempt(t, s, c); a.Started[0] != time.Hour {
			t.Fatalf("%+v", a)
		}
		if err := s.Refund(ctx, c.Key, true); err != nil {
			t.Fatal(err)
		}
		// Unlocked, and the level went back: the next lockout is the
		// first one again, not a doubled one.
		if a := attempt(t, s, c); a.Locked != 0 || a.Started[0] != time.Hour {
			t.Fatalf("after refund: %+v", a)
		}
		if a := attempt(t, s, c); a.Locked <= 0 {
			t.Fatalf("not locked again: %+v", a)
		}
	})

	t.Run("lockouts double and reset clears", func(t *testing.T) {
		s := newStore(t)
		c := bruteforce.Counter{Key: "bf:u:double", Policy: pol(1)}
		attempt(t, s, c)
		if err := s.Reset(ctx, c.Key); err != nil {
			t.Fatal(err)
		}
		if a := attempt(t, s, c); a.Locked != 0 || a.Started[0] != time.Hour {
			t.Fatalf("after reset: %+v", a)
		}
	})

	t.Run("refund of an unknown key", func(t *testing.T) {
		s := newStore(t)
		for _, started := range []bool{false, true} {
			if err := s.Refund(ctx, "bf:u:never-seen", started); err != nil {
				t.Fatal(err)
			}
		}
		if a := attempt(t, s, bruteforce.Counter{Key: "bf:u:never-seen", Policy: pol(2)}); a.Locked != 0 || a.Started[0] != 0 {
			t.Fatalf("%+v", a)
		}
	})
}
