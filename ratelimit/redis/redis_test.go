package redis_test

import (
	"context"
	"errors"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/ratelimittest"
	rlredis "github.com/rampart-api/rampart/ratelimit/redis"
)

func TestConformance(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, l ratelimit.Limit) ratelimit.Limiter {
		c, prefix := testClient(t)
		lim, err := rlredis.New(rlredis.Config{Client: c, Limit: l, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		return lim
	})
}

func TestThreeGatewaysShareOneLimit(t *testing.T) {
	_, prefix := testClient(t)
	var limiters []ratelimit.Limiter
	for range 3 {
		c, _ := testClient(t) // each gateway has its own client and pool
		l, err := rlredis.New(rlredis.Config{Client: c, Limit: ratelimit.PerHour(100), Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		limiters = append(limiters, l)
	}
	ratelimittest.Exactness(t, limiters, 1000, 100)
}

func TestKeysCarryPrefixAndHashTag(t *testing.T) {
	c, prefix := testClient(t)
	l, err := rlredis.New(rlredis.Config{Client: c, Limit: ratelimit.PerMinute(10), Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Allow(context.Background(), "ip:203.0.113.7", 1); err != nil {
		t.Fatal(err)
	}
	want := prefix + "r10p60000000b10:{ip:203.0.113.7}"
	if n, err := c.Exists(context.Background(), want).Result(); err != nil || n != 1 {
		t.Fatalf("key %q not written (exists=%d, err=%v)", want, n, err)
	}
	ttl, _ := c.PTTL(context.Background(), want).Result()
	if ttl <= 0 || ttl > 6_000_000_000 {
		t.Fatalf("PTTL = %v, want the 6s until the key is back to full", ttl)
	}
}

func TestStoreErrorsWrapErrStore(t *testing.T) {
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer c.Close()
	l, err := rlredis.New(rlredis.Config{Client: c, Limit: ratelimit.PerMinute(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Allow(context.Background(), "k", 1); !errors.Is(err, ratelimit.ErrStore) {
		t.Fatalf("err = %v, want ErrStore", err)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := rlredis.New(rlredis.Config{Limit: ratelimit.Limit{}})
	if !errors.Is(err, rlredis.ErrNoClient) || !errors.Is(err, ratelimit.ErrInvalidLimit) {
		t.Fatalf("err = %v, want ErrNoClient and ErrInvalidLimit", err)
	}
}
