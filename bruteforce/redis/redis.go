package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/ratelimit"
)

// DefaultPrefix starts every key this package writes.
const DefaultPrefix = "rampart:bf:"

// ErrNoClient reports a nil Client.
var ErrNoClient = errors.New("redis: Client is required")

// Store is a [bruteforce.Store] in Redis, shared by every gateway using
// the same server and prefix, so that a user locked out through one
// gateway is locked out through all. Each key has three Redis keys
// (failures, level, lock) under one Cluster hash tag; expiry is Redis's,
// so gateway clocks do not matter. It is safe for concurrent use; errors
// wrap [ratelimit.ErrStore].
type Store struct {
	client goredis.UniversalClient
	prefix string
}

var _ bruteforce.Store = (*Store)(nil)

// New returns a Store on client with keys starting with prefix (zero means
// [DefaultPrefix]).
func New(client goredis.UniversalClient, prefix string) (*Store, error) {
	if client == nil {
		return nil, ErrNoClient
	}
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: prefix}, nil
}

func (s *Store) keys(key string) []string {
	base := s.prefix + "{" + key + "}:"
	return []string{base + "f", base + "l", base + "x"}
}

// Locked implements [bruteforce.Store] with one pipelined round trip of
// PTTL reads.
func (s *Store) Locked(ctx context.Context, keys ...string) (time.Duration, error) {
	cmds := make([]*goredis.DurationCmd, len(keys))
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.PTTL(ctx, s.keys(k)[2])
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("%w: reading lockouts: %w", ratelimit.ErrStore, err)
	}
	var longest time.Duration
	for _, c := range cmds {
		if d := c.Val(); d > longest {
			longest = d
		}
	}
	return longest, nil
}

// failScript counts one failure and starts a lockout at the threshold.
// KEYS: failures, level, lock. ARGV: max failures, window ms, first
// lockout ms, max lockout ms, forget ms. Returns the lockout in ms or 0.
var failScript = goredis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n < tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
local level = redis.call('INCR', KEYS[2])
local lock = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
for i = 2, level do
  if lock >= max then break end
  lock = lock * 2
end
if lock > max then lock = max end
redis.call('SET', KEYS[3], '1', 'PX', lock)
redis.call('PEXPIRE', KEYS[2], lock + tonumber(ARGV[5]))
return lock
`)

// Fail implements [bruteforce.Store] with one script run.
func (s *Store) Fail(ctx context.Context, key string, p bruteforce.Policy) (time.Duration, error) {
	ms, err := failScript.Run(ctx, s.client, s.keys(key),
		p.MaxFailures, max(p.Window.Milliseconds(), 1), max(p.Lockout.Milliseconds(), 1),
		max(p.MaxLockout.Milliseconds(), 1), p.Forget.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("%w: counting failure: %w", ratelimit.ErrStore, err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Reset implements [bruteforce.Store].
func (s *Store) Reset(ctx context.Context, key string) error {
	if err := s.client.Del(ctx, s.keys(key)...).Err(); err != nil {
		return fmt.Errorf("%w: resetting: %w", ratelimit.ErrStore, err)
	}
	return nil
}
