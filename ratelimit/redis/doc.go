// Package redis is the shared store for package ratelimit: a GCRA limiter
// whose state lives in Redis, so that any number of gateways enforce one
// exact limit together.
//
// [NewClient] makes a client whose commands give up at the decision's
// timeout; [NewClusterClient] and [NewFailoverClient] do the same for a
// Redis Cluster and for a master that Sentinels watch. [New] builds a
// [Limiter] on any of them (see the examples).
//
// Every decision is one script run on the server with the server's clock.
// With a Timeout, each decision returns by its deadline, and a script that
// Redis runs after that deadline counts nothing (see [Limiter]).
// The script derives from go-redis/redis_rate v10 (see gcraScript).
package redis
