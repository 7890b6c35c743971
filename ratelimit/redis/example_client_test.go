package redis_test

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/ratelimit"
	rlredis "github.com/rampart-api/rampart/ratelimit/redis"
)

// A limiter shared through a Redis Cluster: the seed nodes are enough,
// the client learns the others and follows slot moves.
func ExampleNewClusterClient() {
	timeout := 300 * time.Millisecond
	client := rlredis.NewClusterClient(&goredis.ClusterOptions{
		Addrs: []string{"redis-0.redis:6379", "redis-1.redis:6379", "redis-2.redis:6379"},
	}, timeout)
	defer client.Close()
	lim, err := rlredis.New(rlredis.Config{Client: client, Limit: ratelimit.PerMinute(100), Timeout: timeout})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Each client's key is a hash tag, so clients spread over the masters.
	d, err := lim.Allow(context.Background(), "ip:203.0.113.7", 1)
	fmt.Println(d.Allowed, err)
}

// A limiter on a master that Sentinels watch: the client asks them where
// the master is and switches when they fail over.
func ExampleNewFailoverClient() {
	timeout := 300 * time.Millisecond
	client := rlredis.NewFailoverClient(&goredis.FailoverOptions{
		MasterName:    "mymaster",
		SentinelAddrs: []string{"sentinel-0:26379", "sentinel-1:26379", "sentinel-2:26379"},
	}, timeout)
	defer client.Close()
	lim, err := rlredis.New(rlredis.Config{Client: client, Limit: ratelimit.PerMinute(100), Timeout: timeout})
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := lim.Allow(context.Background(), "ip:203.0.113.7", 1)
	fmt.Println(d.Allowed, err)
}
