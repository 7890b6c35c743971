package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/bruteforce/bruteforcetest"
	bfredis "github.com/rampart-api/rampart/bruteforce/redis"
	"github.com/rampart-api/rampart/internal/redistest"
	rlredis "github.com/rampart-api/rampart/ratelimit/redis"
)

// TestCluster runs the store against a real three-master Redis Cluster
// that the test starts. Its scripts take several keys (username and IP,
// three keys each); a Cluster refuses a script whose keys lie in
// different slots (CROSSSLOT), so passing here proves they share one.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	cluster := redistest.StartCluster(t, 3)
	newClient := func(t *testing.T) *goredis.ClusterClient {
		c := rlredis.NewClusterClient(&goredis.ClusterOptions{Addrs: cluster.Addrs}, 5*time.Second)
		t.Cleanup(func() { c.Close() })
		return c
	}
	var n atomic.Int64
	t.Run("conformance", func(t *testing.T) {
		bruteforcetest.Run(t, func(t *testing.T) bruteforce.Store {
			s, err := bfredis.New(newClient(t), fmt.Sprintf("conf%d:", n.Add(1)))
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
	t.Run("username and IP counted in one script on one slot", func(t *testing.T) {
		c := newClient(t)
		s, err := bfredis.New(c, "slot:")
		if err != nil {
			t.Fatal(err)
		}
		p := bruteforce.Policy{MaxFailures: 2, Window: time.Minute, Lockout: time.Minute, MaxLockout: time.Hour, Forget: time.Hour}
		ctx := context.Background()
		for _, user := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
			for range 2 {
				if _, err := s.Attempt(ctx, bruteforce.Counter{Key: "u:" + user, Policy: p}, bruteforce.Counter{Key: "ip:203.0.113.9", Policy: p}); err != nil {
					t.Fatalf("attempt for %s: %v", user, err)
				}
			}
			if err := s.Refund(ctx, "u:"+user, true); err != nil {
				t.Fatalf("refund for %s: %v", user, err)
			}
			if err := s.Reset(ctx, "u:"+user); err != nil {
				t.Fatalf("reset for %s: %v", user, err)
			}
		}
		slot, err := c.ClusterKeySlot(ctx, "slot:"+bfredis.HashTag+"ip:203.0.113.9:f").Result()
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.ClusterKeySlot(ctx, "x"+bfredis.HashTag+"anything").Result()
		if err != nil {
			t.Fatal(err)
		}
		if slot != want {
			t.Errorf("lockout key in slot %d, want the {bf} slot %d", slot, want)
		}
		nodes := 0
		for _, k := range cluster.KeysPerNode(t) {
			if k > 0 {
				nodes++
			}
		}
		if nodes != 1 {
			t.Errorf("lockout keys on %d masters, want one (one hash tag)", nodes)
		}
	})
}
