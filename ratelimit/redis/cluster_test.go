package redis_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/internal/redistest"
	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/ratelimittest"
	rlredis "github.com/rampart-api/rampart/ratelimit/redis"
)

// TestCluster runs the limiter against a real three-master Redis Cluster
// that the test starts, through the client a gateway uses.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	cluster := redistest.StartCluster(t, 3)
	newClient := func(t *testing.T) *goredis.ClusterClient {
		// A generous timeout: the point here is exactness, not speed.
		c := rlredis.NewClusterClient(&goredis.ClusterOptions{Addrs: cluster.Addrs}, 5*time.Second)
		t.Cleanup(func() { c.Close() })
		return c
	}
	var n atomic.Int64
	t.Run("conformance", func(t *testing.T) {
		ratelimittest.Run(t, func(t *testing.T, l ratelimit.Limit) ratelimit.Limiter {
			lim, err := rlredis.New(rlredis.Config{Client: newClient(t), Limit: l, Prefix: fmt.Sprintf("conf%d:", n.Add(1))})
			if err != nil {
				t.Fatal(err)
			}
			return lim
		})
	})
	t.Run("three gateways admit exactly the limit for keys on every master", func(t *testing.T) {
		const keys, perKey, limit = 24, 40, 10
		var limiters []ratelimit.Limiter
		for range 3 {
			l, err := rlredis.New(rlredis.Config{Client: newClient(t), Limit: ratelimit.PerHour(limit), Prefix: "three:", Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			limiters = append(limiters, l)
		}
		var allowed [keys]atomic.Int64
		var failed atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for k := range keys {
			for i := range perKey {
				wg.Go(func() {
					<-start
					d, err := limiters[(k+i)%3].Allow(context.Background(), fmt.Sprintf("ip:198.51.100.%d", k), 1)
					if err != nil {
						failed.Add(1)
						return
					}
					if d.Allowed {
						allowed[k].Add(1)
					}
				})
			}
		}
		close(start)
		wg.Wait()
		if f := failed.Load(); f != 0 {
			t.Fatalf("%d decisions failed", f)
		}
		for k := range keys {
			if got := allowed[k].Load(); got != limit {
				t.Errorf("key %d: %d admitted, want exactly %d", k, got, limit)
			}
		}
		used := 0
		for _, c := range cluster.KeysPerNode(t) {
			if c > 0 {
				used++
			}
		}
		if used < 2 {
			t.Errorf("the keys landed on %d master(s); hash tags should spread clients over the cluster", used)
		}
	})
}
