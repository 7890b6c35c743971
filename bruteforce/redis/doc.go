// Package redis is the shared store for package bruteforce.
//
// [New] builds the [Store] on a go-redis client (see the example).
//
// Checking the lockouts of an attempt's keys and counting it under each is
// one script run, as is a refund.
package redis
