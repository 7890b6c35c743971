package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/internal/deadline"
	"github.com/rampart-api/rampart/internal/redisclock"
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
	// Timeout, when positive, bounds each decision from the call to the
	// answer, whatever deadline the caller's context carries: waiting for
	// a pooled connection, dialling, writing and reading all fit in it.
	// Zero leaves the bound to the context and the client's timeouts.
	Timeout time.Duration
}

// Errors.
var (
	// ErrNoClient reports a Config without a Client.
	ErrNoClient = errors.New("redis: Client is required")
	// ErrDeadlinePassed reports a decision that Redis reached only after
	// its deadline; the script counted nothing.
	ErrDeadlinePassed = errors.New("redis: decision deadline passed before the script ran; nothing counted")
)

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
//
// A decision returns by its deadline whatever the client is doing (a
// client bounds dialling, handshaking and reading one by one, and those
// can add up); the call it abandons finishes in the background. A
// decision abandoned at its deadline is not counted later. When the
// context has a deadline (Config.Timeout gives every call one), the
// script receives it translated to Redis's clock and refuses to count
// once Redis's TIME has reached it. So a command that waits in a paused
// server's socket buffer, or in a queue behind a slow command, changes
// nothing when it finally runs. What Redis cannot guarantee: a script
// that ran in time but whose reply is lost or late (the server paused
// after running it, the network dropped the answer) has counted a
// request the caller refused with an error. That window is one reply's
// flight, not the length of the outage.
//
// The translation uses the offset between the gateway's and Redis's
// clocks measured from the last reply (the first decision reads TIME
// once). It is measured at the reply's arrival, so it errs by up to one
// round trip on the early side: a decision may be refused up to a round
// trip before its deadline, never counted after it.
type Limiter struct {
	client      goredis.UniversalClient
	limit       ratelimit.Limit
	prefix      string
	interval    int64 // µs
	burstOffset int64 // µs
	timeout     time.Duration
	clock       *redisclock.Clock
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
		timeout:     cfg.Timeout,
		clock:       &redisclock.Clock{},
	}, nil
}

// Allow implements [ratelimit.Limiter].
func (l *Limiter) Allow(ctx context.Context, key string, n int) (ratelimit.Decision, error) {
	d := ratelimit.Decision{Limit: l.limit}
	if n < 0 {
		return d, ratelimit.ErrNegativeN
	}
	if l.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.timeout)
		defer cancel()
	}
	res, err := deadline.Call(ctx, func(ctx context.Context) ([]int64, error) {
		dl, err := l.clock.Deadline(ctx, l.client)
		if err != nil {
			return nil, fmt.Errorf("reading the server clock: %w", err)
		}
		return gcraScript.Run(ctx, l.client, []string{l.prefix + key + "}"}, l.interval, l.burstOffset, n, l.limit.Burst, dl).Int64Slice()
	})
	if err != nil {
		return d, fmt.Errorf("%w: running GCRA script: %w", ratelimit.ErrStore, err)
	}
	if len(res) != 5 {
		return d, fmt.Errorf("%w: GCRA script returned %d values", ratelimit.ErrStore, len(res))
	}
	l.clock.Observe(res[4], time.Now())
	if res[0] == -2 {
		return d, fmt.Errorf("%w: %w", ratelimit.ErrStore, ErrDeadlinePassed)
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
	// Timeout bounds each decision; see [Config].
	Timeout time.Duration
}

var _ ratelimit.Store = Store{}

// NewLimiter implements [ratelimit.Store].
func (s Store) NewLimiter(l ratelimit.Limit) (ratelimit.Limiter, error) {
	return New(Config{Client: s.Client, Limit: l, Prefix: s.Prefix, Timeout: s.Timeout})
}

// NewClient returns a client for a gateway's decisions: one dial attempt
// per connection and no command retries (a retried script may already
// have run and would count a request twice), dial, read and write each
// bounded by timeout, and a wait for a pooled connection no longer than
// timeout (go-redis would otherwise wait timeout + 1s). With
// [Config.Timeout] set to the same value, no decision outlasts timeout.
func NewClient(opt *goredis.Options, timeout time.Duration) *goredis.Client {
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = timeout, timeout, timeout
	opt.PoolTimeout = timeout
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	opt.ContextTimeoutEnabled = true
	return goredis.NewClient(opt)
}
