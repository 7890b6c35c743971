// Package redis is the shared store for package bruteforce:
//
//	store, err := redis.New(client, "rampart:bf:")
//	if err != nil {
//		return err
//	}
//	g, err := bruteforce.New(bruteforce.Config{UsernameField: "username", Store: store})
//
// Counting a failure is one script run; checking lockouts is one
// pipelined round trip.
package redis
