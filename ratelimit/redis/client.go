package redis

import (
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// NewClusterClient is [NewClient] for a Redis Cluster: every node's
// connections get the same bounds, and commands are not retried on
// errors. The client still follows MOVED and ASK redirects (the node that
// answers one has not run the script) up to opt.MaxRedirects times (zero
// means 3), so slot moves and failovers are followed within one call.
// Every key one script touches shares a hash tag, so each decision runs
// on one node.
func NewClusterClient(opt *goredis.ClusterOptions, timeout time.Duration) *goredis.ClusterClient {
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = timeout, timeout, timeout
	opt.PoolTimeout = timeout
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	opt.ContextTimeoutEnabled = true
	return goredis.NewClusterClient(opt)
}

// NewFailoverClient is [NewClient] for a master that Sentinels watch: the
// client asks the Sentinels in opt.SentinelAddrs for opt.MasterName and
// switches to the new master when they announce a failover. Calls made
// while the old master is gone fail (no retries) and the caller's
// OnStoreError mode answers them.
func NewFailoverClient(opt *goredis.FailoverOptions, timeout time.Duration) *goredis.Client {
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = timeout, timeout, timeout
	opt.PoolTimeout = timeout
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	opt.ContextTimeoutEnabled = true
	return goredis.NewFailoverClient(opt)
}
