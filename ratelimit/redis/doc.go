// Package redis is the shared store for package ratelimit: a GCRA limiter
// whose state lives in Redis, so that any number of gateways enforce one
// exact limit together.
//
// [NewClient] makes a client whose commands give up at the decision's
// timeout; [New] builds a [Limiter] on it (see the example).
//
// Every decision is one script run on the server with the server's clock.
// With a Timeout, each decision returns by its deadline, and a script that
// Redis runs after that deadline counts nothing (see [Limiter]).
// The script derives from go-redis/redis_rate v10 (see gcraScript).
package redis
