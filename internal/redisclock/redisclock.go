// Package redisclock translates gateway deadlines to Redis's clock, so
// that a script Redis runs after a caller gave up can refuse to write.
package redisclock

import (
	"context"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Clock is the offset from the gateway's clock to Redis's, in µs. The
// zero value is ready; it is safe for concurrent use.
type Clock struct {
	known atomic.Bool
	off   atomic.Int64
}

// Deadline returns ctx's deadline on Redis's clock in µs, or 0 when ctx
// has none. It reads Redis's TIME once if no offset was measured yet.
func (c *Clock) Deadline(ctx context.Context, client goredis.UniversalClient) (int64, error) {
	t, ok := ctx.Deadline()
	if !ok {
		return 0, nil
	}
	if !c.known.Load() {
		now, err := client.Time(ctx).Result()
		if err != nil {
			return 0, err
		}
		c.Observe(now.UnixMicro(), time.Now())
	}
	return max(t.UnixMicro()+c.off.Load(), 1), nil
}

// Observe records that Redis's clock read serverNow µs at some moment
// before arrived. The estimate is at most the true offset, by up to the
// round trip, which makes translated deadlines early rather than late.
func (c *Clock) Observe(serverNow int64, arrived time.Time) {
	c.SetOffset(serverNow - arrived.UnixMicro())
}

// SetOffset sets the offset in µs.
func (c *Clock) SetOffset(off int64) {
	c.off.Store(off)
	c.known.Store(true)
}
