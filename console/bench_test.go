package console_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/console"
)

// BenchmarkAccessLog compares the access log line of a request with and
// without the console subscribed to the log's hub (the log's handler
// discards, so only the console's cost shows).
func BenchmarkAccessLog(b *testing.B) {
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/1", nil))
	info.RequestID, info.Route, info.ClientIP = "0123456789abcdef-1", "/api/notes/{id}", netip.MustParseAddr("198.51.100.4")
	sink := enabledDiscard{}
	c, _ := console.New(console.Config{})
	hub := audit.NewHub()
	hub.Subscribe(c)
	for _, bc := range []struct {
		name string
		a    *audit.AccessLog
	}{
		{"plain", audit.NewAccessLog(sink)},
		{"console", audit.NewAccessLog(sink).Observed(hub)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a := bc.a
			b.ReportAllocs()
			for b.Loop() {
				a.Log(r, 200, 42, time.Millisecond)
			}
		})
	}
}

// BenchmarkAccessHandle is the console's part alone: one request's
// outcome observed, no browser connected.
func BenchmarkAccessHandle(b *testing.B) {
	c, _ := console.New(console.Config{})
	r := httptest.NewRequest("GET", "/api/notes/1", nil)
	o := audit.Outcome{Status: 200, Bytes: 42, Duration: 1250 * time.Microsecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.ObserveRequest(r, o)
		}
	})
}

// BenchmarkEvent is one security event (a refusal) through the console,
// with and without a connected browser.
func BenchmarkEvent(b *testing.B) {
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/users/2", nil))
	info.RequestID, info.Route, info.ClientIP = "0123456789abcdef-1", "/api/users/{uid}", netip.MustParseAddr("198.51.100.4")
	info.Principal = &rampart.Principal{Subject: "alice"}
	e := audit.Event{Name: audit.AuthzDenied, Reason: "not owner", OWASP: audit.OWASPBOLA, Status: 403}
	b.Run("plain", func(b *testing.B) {
		l := audit.NewLogger(enabledDiscard{})
		b.ReportAllocs()
		for b.Loop() {
			l.Emit(r, e)
		}
	})
	b.Run("console", func(b *testing.B) {
		c, _ := console.New(console.Config{})
		hub := audit.NewHub()
		hub.Subscribe(c)
		l := audit.NewLogger(enabledDiscard{}).Observed(hub)
		b.ReportAllocs()
		for b.Loop() {
			l.Emit(r, e)
		}
	})
}

// enabledDiscard is a handler that is enabled and writes nothing, so
// that records are built as for a real log.
type enabledDiscard struct{}

func (enabledDiscard) Enabled(context.Context, slog.Level) bool  { return true }
func (enabledDiscard) Handle(context.Context, slog.Record) error { return nil }
func (h enabledDiscard) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h enabledDiscard) WithGroup(string) slog.Handler           { return h }
