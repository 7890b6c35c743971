package console

import (
	"context"
	"log/slog"
	"time"
)

// TrackedKeys is how many keys the top tables hold, for tests.
func (c *Console) TrackedKeys() int {
	c.agg.mu.Lock()
	defer c.agg.mu.Unlock()
	return c.agg.ips.entries() + c.agg.subjects.entries() + c.agg.routes.entries() + c.agg.policies.entries()
}

// Publish sends data to every stream subscriber, for tests.
func (c *Console) Publish(data []byte) { c.stream.publish(data) }

// RecordFeeder counts records as the console's observer methods count
// what they are given, for tests that feed attacker-shaped records an
// [audit.Logger] would never build.
type RecordFeeder struct {
	c      *Console
	access bool
}

// EventRecords counts every record handled as a security event.
func (c *Console) EventRecords() RecordFeeder { return RecordFeeder{c: c} }

// AccessRecords counts every record handled as a finished request,
// reading "status" and "duration_ms".
func (c *Console) AccessRecords() RecordFeeder { return RecordFeeder{c: c, access: true} }

// Handle counts rec.
func (f RecordFeeder) Handle(_ context.Context, rec slog.Record) error {
	t := rec.Time
	if t.IsZero() {
		t = f.c.now()
	}
	var attrs []slog.Attr
	rec.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a); return true })
	if !f.access {
		f.c.observeEvent(t, attrs)
		return nil
	}
	status, ms := 0, 0.0
	for _, a := range attrs {
		switch {
		case a.Key == "status" && a.Value.Kind() == slog.KindInt64:
			status = int(a.Value.Int64())
		case a.Key == "duration_ms" && a.Value.Kind() == slog.KindFloat64:
			ms = a.Value.Float64()
		}
	}
	f.c.ring.request(t, status, time.Duration(ms*float64(time.Millisecond)))
	return nil
}
