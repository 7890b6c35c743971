package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config sets the console's bounds. The zero Config is usable.
type Config struct {
	// TopK is how many keys each top table tracks (client networks,
	// subjects, routes, rate-limit policies); 0 means 100. Memory per
	// table is O(TopK) whatever the number of distinct keys.
	TopK int
	// StreamBuffer is how many events each connected browser may fall
	// behind before the console drops events for it; 0 means 256.
	StreamBuffer int
	// MaxStreams caps connected browsers; 0 means 16. Further stream
	// requests get 503.
	MaxStreams int
	// Now is the clock; nil means time.Now. Records carry their own time,
	// which is used when set.
	Now func() time.Time
}

// ErrBadConfig is wrapped by every error [New] returns.
var ErrBadConfig = errors.New("console: bad config")

// Console aggregates security events and request outcomes in bounded
// memory and serves them as a live page. It is safe for concurrent use.
type Console struct {
	cfg    Config
	now    func() time.Time
	ring   ring
	agg    *aggregates
	stream broker
	start  time.Time
}

// New returns a Console.
func New(cfg Config) (*Console, error) {
	var errs []error
	check := func(field string, v int) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%w: %s must not be negative", ErrBadConfig, field))
		}
	}
	check("TopK", cfg.TopK)
	check("StreamBuffer", cfg.StreamBuffer)
	check("MaxStreams", cfg.MaxStreams)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.TopK == 0 {
		cfg.TopK = 100
	}
	if cfg.StreamBuffer == 0 {
		cfg.StreamBuffer = 256
	}
	if cfg.MaxStreams == 0 {
		cfg.MaxStreams = 16
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Console{cfg: cfg, now: cfg.Now, agg: newAggregates(cfg.TopK)}
	c.start = c.now()
	c.stream.init(cfg.StreamBuffer, cfg.MaxStreams)
	return c, nil
}

// EventHandler returns a handler that passes every record to next
// unchanged (when next is enabled for it) and counts it as a security
// event, the records an [audit.Logger] writes. next may be nil, for a
// gateway whose event log is off.
func (c *Console) EventHandler(next slog.Handler) slog.Handler {
	return &tee{c: c, next: orDiscard(next), observe: c.observeEvent}
}

// AccessHandler returns a handler that passes every record to next
// unchanged (when next is enabled for it) and counts it as a finished
// request, the records an [audit.AccessLog] writes: "status" and
// "duration_ms" are read. next may be nil, for a gateway whose access log
// is off.
func (c *Console) AccessHandler(next slog.Handler) slog.Handler {
	return &tee{c: c, next: orDiscard(next), observe: c.observeAccess}
}

func orDiscard(h slog.Handler) slog.Handler {
	if h == nil {
		return slog.DiscardHandler
	}
	return h
}

// tee is the slog.Handler wrapper. Attributes added with WithAttrs are
// seen by the console; records under a group are passed on but not
// counted, since the log streams never use groups.
type tee struct {
	c       *Console
	next    slog.Handler
	observe func(slog.Record, []slog.Attr)
	attrs   []slog.Attr
	grouped bool
}

func (h *tee) Enabled(ctx context.Context, l slog.Level) bool {
	return (!h.grouped && l >= slog.LevelInfo) || h.next.Enabled(ctx, l)
}

func (h *tee) Handle(ctx context.Context, rec slog.Record) error {
	if !h.grouped && rec.Level >= slog.LevelInfo {
		h.observe(rec, h.attrs)
	}
	if h.next.Enabled(ctx, rec.Level) {
		return h.next.Handle(ctx, rec)
	}
	return nil
}

func (h *tee) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.next = h.next.WithAttrs(as)
	if !h.grouped {
		n.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	}
	return &n
}

func (h *tee) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.next = h.next.WithGroup(name)
	n.grouped = true
	return &n
}

func (c *Console) recordTime(rec slog.Record) time.Time {
	if rec.Time.IsZero() {
		return c.now()
	}
	return rec.Time
}

// observeAccess counts one request: a few atomic additions, no
// allocation.
func (c *Console) observeAccess(rec slog.Record, pre []slog.Attr) {
	status := 0
	var ms float64
	read := func(a slog.Attr) bool {
		switch a.Key {
		case "status":
			if a.Value.Kind() == slog.KindInt64 {
				status = int(a.Value.Int64())
			}
		case "duration_ms":
			if a.Value.Kind() == slog.KindFloat64 {
				ms = a.Value.Float64()
			}
		}
		return true
	}
	for _, a := range pre {
		read(a)
	}
	rec.Attrs(read)
	c.ring.request(c.recordTime(rec), status, time.Duration(ms*float64(time.Millisecond)))
}

// observeEvent counts one security event and sends it to connected
// browsers; with none connected it is not encoded.
func (c *Console) observeEvent(rec slog.Record, pre []slog.Attr) {
	t := c.recordTime(rec)
	ev, f := scanEvent(t, rec, pre)
	if f.name == "" {
		return
	}
	c.ring.event(t, f.refused())
	c.agg.observe(t, ev, f)
	if c.stream.active() {
		if data, err := json.Marshal(ev.event()); err == nil {
			c.stream.publish(data)
		}
	}
}

// streamStats reports the stream's state.
type streamStats struct {
	Subscribers int   `json:"subscribers"`
	Dropped     int64 `json:"dropped"`
}
