package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/internal/redisclock"
	"github.com/rampart-api/rampart/ratelimit"
)

// DefaultPrefix starts every key this package writes.
const DefaultPrefix = "rampart:bf:"

// ErrNoClient reports a nil Client.
var ErrNoClient = errors.New("redis: Client is required")

// ErrDeadlinePassed reports a call whose context deadline had passed on
// Redis's clock when its script ran: the script wrote nothing.
var ErrDeadlinePassed = errors.New("redis: deadline passed before the script ran; nothing counted")

// Store is a [bruteforce.Store] in Redis, shared by every gateway using
// the same server and prefix, so that a user locked out through one
// gateway is locked out through all. Each key has three Redis keys
// (attempts, level, lock); expiry is Redis's, so gateway clocks do not
// matter. An attempt checks and counts the username and the client IP in
// one script, so every key of a store shares one Cluster hash tag ({bf}):
// login traffic is small enough for one slot. It is safe for concurrent
// use; errors wrap [ratelimit.ErrStore].
//
// When the context of [Store.Attempt] or [Store.Refund] has a deadline,
// the script gets it on Redis's clock (see [ratelimit/redis.Limiter] for
// how the clocks are related) and writes nothing once Redis's TIME has
// reached it: an attempt the gateway gave up on while Redis was paused is
// not counted when Redis resumes.
type Store struct {
	client goredis.UniversalClient
	prefix string
	clock  redisclock.Clock
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

// HashTag is in every key the store writes, after the prefix.
const HashTag = "{bf}"

func (s *Store) keys(key string) []string {
	base := s.prefix + HashTag + key + ":"
	return []string{base + "f", base + "l", base + "x"}
}

// attemptScript refuses when any lock key exists, else counts one attempt
// under every key and starts the lockouts reached. KEYS: attempts, level,
// lock for each counter. ARGV: max attempts, window ms, first lockout ms,
// max lockout ms, forget ms for each counter, then the deadline in µs on
// Redis's clock (0: none). Returns {-2, now µs} when the deadline has
// passed, {longest lock ms, now µs} when locked, else {0, now µs, started
// lockout ms for each counter}.
var attemptScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local deadline = tonumber(ARGV[#ARGV]) or 0
if deadline > 0 and now >= deadline then return {-2, now} end
local n = #KEYS / 3
local longest = 0
for i = 0, n - 1 do
  local t = redis.call('PTTL', KEYS[i * 3 + 3])
  if t > longest then longest = t end
end
if longest > 0 then return {longest, now} end
local out = {0, now}
for i = 0, n - 1 do
  local f, l, x, a = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3], i * 5
  local c = redis.call('INCR', f)
  if c == 1 then redis.call('PEXPIRE', f, ARGV[a + 2]) end
  local started = 0
  if c >= tonumber(ARGV[a + 1]) then
    redis.call('DEL', f)
    local level = redis.call('INCR', l)
    local lock = tonumber(ARGV[a + 3])
    local max = tonumber(ARGV[a + 4])
    for j = 2, level do
      if lock >= max then break end
      lock = lock * 2
    end
    if lock > max then lock = max end
    redis.call('SET', x, '1', 'PX', lock)
    redis.call('PEXPIRE', l, lock + tonumber(ARGV[a + 5]))
    started = lock
  end
  out[i + 3] = started
end
return out
`)

// Attempt implements [bruteforce.Store] with one script run.
func (s *Store) Attempt(ctx context.Context, counters ...bruteforce.Counter) (bruteforce.Attempt, error) {
	keys := make([]string, 0, 3*len(counters))
	args := make([]any, 0, 5*len(counters))
	for _, c := range counters {
		p := c.Policy
		keys = append(keys, s.keys(c.Key)...)
		args = append(args, p.MaxFailures, max(p.Window.Milliseconds(), 1), max(p.Lockout.Milliseconds(), 1),
			max(p.MaxLockout.Milliseconds(), 1), p.Forget.Milliseconds())
	}
	dl, err := s.clock.Deadline(ctx, s.client)
	if err != nil {
		return bruteforce.Attempt{}, fmt.Errorf("%w: reading the server clock: %w", ratelimit.ErrStore, err)
	}
	args = append(args, dl)
	res, err := attemptScript.Run(ctx, s.client, keys, args...).Int64Slice()
	if err != nil {
		return bruteforce.Attempt{}, fmt.Errorf("%w: counting attempt: %w", ratelimit.ErrStore, err)
	}
	if len(res) >= 2 {
		s.clock.Observe(res[1], time.Now())
	}
	switch {
	case len(res) == 2 && res[0] == -2:
		return bruteforce.Attempt{}, fmt.Errorf("%w: counting attempt: %w", ratelimit.ErrStore, ErrDeadlinePassed)
	case len(res) == 2 && res[0] > 0:
		return bruteforce.Attempt{Locked: time.Duration(res[0]) * time.Millisecond}, nil
	case len(res) != len(counters)+2:
		return bruteforce.Attempt{}, fmt.Errorf("%w: counting attempt: %d results for %d keys", ratelimit.ErrStore, len(res), len(counters))
	}
	started := make([]time.Duration, len(counters))
	for i := range started {
		started[i] = time.Duration(res[i+2]) * time.Millisecond
	}
	return bruteforce.Attempt{Started: started}, nil
}

// refundScript takes back one attempt. KEYS: attempts, level, lock.
// ARGV: 1 when the attempt started the lock, else 0; the deadline in µs
// on Redis's clock (0: none). Returns -2 when the deadline has passed.
var refundScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local deadline = tonumber(ARGV[2]) or 0
if deadline > 0 and now >= deadline then return -2 end
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[3])
  local level = tonumber(redis.call('GET', KEYS[2]) or '0')
  if level <= 1 then redis.call('DEL', KEYS[2]) else redis.call('DECR', KEYS[2]) end
  return 0
end
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if c > 1 then redis.call('DECR', KEYS[1]) elseif c == 1 then redis.call('DEL', KEYS[1]) end
return 0
`)

// Refund implements [bruteforce.Store] with one script run.
func (s *Store) Refund(ctx context.Context, key string, started bool) error {
	flag := "0"
	if started {
		flag = "1"
	}
	dl, err := s.clock.Deadline(ctx, s.client)
	if err != nil {
		return fmt.Errorf("%w: reading the server clock: %w", ratelimit.ErrStore, err)
	}
	res, err := refundScript.Run(ctx, s.client, s.keys(key), flag, dl).Int64()
	if err != nil {
		return fmt.Errorf("%w: refunding attempt: %w", ratelimit.ErrStore, err)
	}
	if res == -2 {
		return fmt.Errorf("%w: refunding attempt: %w", ratelimit.ErrStore, ErrDeadlinePassed)
	}
	return nil
}

// Reset implements [bruteforce.Store].
func (s *Store) Reset(ctx context.Context, key string) error {
	if err := s.client.Del(ctx, s.keys(key)...).Err(); err != nil {
		return fmt.Errorf("%w: resetting: %w", ratelimit.ErrStore, err)
	}
	return nil
}
