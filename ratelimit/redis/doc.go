// Package redis is the shared store for package ratelimit: a GCRA limiter
// whose state lives in Redis, so that any number of gateways enforce one
// exact limit together.
//
//	client := goredis.NewUniversalClient(&goredis.UniversalOptions{
//		Addrs:        []string{"127.0.0.1:6379"},
//		ReadTimeout:  200 * time.Millisecond,
//		WriteTimeout: 200 * time.Millisecond,
//	})
//	l, err := redis.New(redis.Config{Client: client, Limit: ratelimit.PerMinute(60)})
//	if err != nil {
//		return err
//	}
//	d, err := l.Allow(ctx, "ip:203.0.113.7", 1)
//
// Every decision is one script run on the server with the server's clock.
// The script derives from go-redis/redis_rate v10 (see gcraScript).
package redis
