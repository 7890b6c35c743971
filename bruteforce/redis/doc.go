// Package redis is the shared store for package bruteforce:
//
//	store, err := redis.New(client, "rampart:bf:")
//	if err != nil {
//		return err
//	}
//	g, err := bruteforce.New(bruteforce.Config{UsernameField: "username", Store: store})
//
// Checking the lockouts of an attempt's keys and counting it under each is
// one script run, as is a refund.
package redis
