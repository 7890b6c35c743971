// Package redis is the shared store for package ratelimit: a GCRA limiter
// whose state lives in Redis, so that any number of gateways enforce one
// exact limit together.
//
//	client := redis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"}, 200*time.Millisecond)
//	l, err := redis.New(redis.Config{Client: client, Limit: ratelimit.PerMinute(60), Timeout: 200 * time.Millisecond})
//	if err != nil {
//		return err
//	}
//	d, err := l.Allow(ctx, "ip:203.0.113.7", 1)
//
// Every decision is one script run on the server with the server's clock.
// With a Timeout, each decision returns by its deadline, and a script that
// Redis runs after that deadline counts nothing (see [Limiter]).
// The script derives from go-redis/redis_rate v10 (see gcraScript).
package redis
