package redis_test

import (
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/bruteforce/redis"
)

// Gateways sharing one Redis share lockouts. (The example needs a Redis
// server, so it is compiled but not run.)
func ExampleNew() {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	store, err := redis.New(client, "rampart:bf:")
	if err != nil {
		fmt.Println(err)
		return
	}
	g, err := bruteforce.New(bruteforce.Config{UsernameField: "username", Store: store})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = g.Handler // wrap the login route with it
}
