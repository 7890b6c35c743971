package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/ratelimit"
)

// DefaultPrefix starts every key this package writes.
const DefaultPrefix = "rampart:rl:"

// Config configures a [Limiter].
type Config struct {
	// Client is any go-redis client: single server, Sentinel
	// (failover) or Cluster. Required. Its timeouts bound how long a
	// request waits on an unhealthy Redis; keep them short (hundreds of
	// milliseconds) for a gateway.
	Client goredis.UniversalClient
	// Limit is the rate enforced for every key.
	Limit ratelimit.Limit
	// Prefix starts every key; zero means [DefaultPrefix]. Give gateways
	// that must not share counters different prefixes.
	Prefix string
}

// ErrNoClient reports a Config without a Client.
var ErrNoClient = errors.New("redis: Client is required")

// Limiter is a GCRA limiter whose state lives in Redis, shared by every
// gateway using the same server and prefix. Each decision is one script
// run (EVALSHA, falling back to EVAL when the server lacks the script),
// atomic on the server and timed by the server's clock, so gateways with
// skewed clocks still agree. It is safe for concurrent use. Errors wrap
// [ratelimit.ErrStore]; the caller decides whether to fail open or
// closed.
//
// Keys are Prefix + "r<rate>p<period µs>b<burst>:{" + key + "}": the hash
// tag puts all of one client's limits in one Cluster slot.
type Limiter struct {
	client      goredis.UniversalClient
	limit       ratelimit.Limit
	prefix      string
	interval    int64 // µs
	burstOffset int64 // µs
}

var _ ratelimit.Limiter = (*Limiter)(nil)

// New returns a Limiter, reporting every problem with cfg at once.
func New(cfg Config) (*Limiter, error) {
	var errs []error
	if cfg.Client == nil {
		errs = append(errs, ErrNoClient)
	}
	if err := cfg.Limit.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	// Redis's clock has microsecond resolution. Rounding the interval up
	// keeps the limit at or below the configured rate.
	iv := int64((cfg.Limit.Interval() + time.Microsecond - 1) / time.Microsecond)
	return &Limiter{
		client:      cfg.Client,
		limit:       cfg.Limit,
		prefix:      cfg.Prefix + "r" + strconv.Itoa(cfg.Limit.Rate) + "p" + strconv.FormatInt(cfg.Limit.Period.Microseconds(), 10) + "b" + strconv.Itoa(cfg.Limit.Burst) + ":{",
		interval:    iv,
		burstOffset: iv * int64(cfg.Limit.Burst),
	}, nil
}

// Allow implements [ratelimit.Limiter].
func (l *Limiter) Allow(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	d := ratelimit.Decision{Limit: l.limit}
	if n < 0 {
		return d, ratelimit.ErrNegativeN
	}
	res, err := gcraScript.Run(ctx, l.client, []string{l.prefix + key + "}"}, l.interval, l.burstOffset, n, l.limit.Burst).Int64Slice()
	if err != nil {
		return d, fmt.Errorf("%w: running GCRA script: %w", ratelimit.ErrStore, err)
	}
	if len(res) != 4 {
		return d, fmt.Errorf("%w: GCRA script returned %d values", ratelimit.ErrStore, len(res))
	}
	d.Allowed = res[0] == 1
	d.Remaining = int(res[1])
	d.RetryAfter = usec(res[2])
	d.ResetAfter = usec(res[3])
	return d, nil
}

func usec(v int64) time.Duration {
	if v < 0 {
		return -1
	}
	return time.Duration(v) * time.Microsecond
}

// Store makes Redis limiters sharing one client; it implements
// [ratelimit.Store].
type Store struct {
	Client goredis.UniversalClient
	Prefix string
}

var _ ratelimit.Store = Store{}

// NewLimiter implements [ratelimit.Store].
func (s Store) NewLimiter(l ratelimit.Limit) (ratelimit.Limiter, error) {
	return New(Config{Client: s.Client, Limit: l, Prefix: s.Prefix})
}
