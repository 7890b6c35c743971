package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
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
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Ready is the gateway's readiness, the check the admin listener's
	// /readyz runs: nil when ready, else one error per dependency that is
	// not (key sets, stores, draining) joined. The summary reports it;
	// nil leaves readiness out.
	Ready func(ctx context.Context) error
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

var _ audit.Observer = (*Console)(nil)

// ObserveEvent counts one security event and sends it to connected
// browsers; with none connected it is not encoded. It reads the event's
// fields and what the request's [rampart.Info] knows, as the event log
// does; string values are redacted when a browser asks for the event, not
// here. Subscribe the console to the gateway's [audit.Hub] to feed it.
func (c *Console) ObserveEvent(r *http.Request, e audit.Event) {
	attrs := make([]slog.Attr, 0, min(maxFields, 10+len(e.Attrs)))
	attrs = append(attrs, slog.String("event", e.Name))
	if e.Reason != "" {
		attrs = append(attrs, slog.String("reason", e.Reason))
	}
	if e.OWASP != "" {
		attrs = append(attrs, slog.String("owasp", e.OWASP))
	}
	if e.Status != 0 {
		attrs = append(attrs, slog.Int("status", e.Status))
	}
	if r != nil {
		attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path))
		if info := rampart.InfoFrom(r.Context()); info != nil {
			attrs = append(attrs, slog.String("request_id", info.RequestID))
			if info.ClientIP.IsValid() {
				attrs = append(attrs, slog.String("client_ip", info.ClientIP.String()))
			}
			if info.Route != "" {
				attrs = append(attrs, slog.String("route", info.Route))
			}
			if info.Principal != nil && info.Principal.Subject != "" {
				attrs = append(attrs, slog.String("subject", info.Principal.Subject))
			}
		}
	}
	attrs = append(attrs, e.Attrs...)
	c.observeEvent(c.now(), attrs)
}

// ObserveRequest counts one finished request: a few atomic additions, no
// allocation.
func (c *Console) ObserveRequest(_ *http.Request, o audit.Outcome) {
	c.ring.request(c.now(), o.Status, o.Duration)
}

// observeEvent counts one security event, given as its log line's
// attributes, and sends it to connected browsers.
func (c *Console) observeEvent(t time.Time, attrs []slog.Attr) {
	ev, f := scanEvent(t, attrs)
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
