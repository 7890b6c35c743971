package redis_test

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/redis"
)

// Every gateway that points at the same Redis enforces one limit together.
// (The example needs a Redis server, so it is compiled but not run.)
func ExampleLimiter_Allow() {
	client := redis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"}, 200*time.Millisecond)
	defer client.Close()
	l, err := redis.New(redis.Config{Client: client, Limit: ratelimit.PerMinute(60), Timeout: 200 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := l.Allow(context.Background(), "ip:203.0.113.7", 1)
	if err != nil {
		// Redis is down or slow: the middleware's fail mode decides.
		fmt.Println(err)
		return
	}
	fmt.Println(d.Allowed, d.Remaining)
}
