package ratelimit

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rampart-api/rampart/audit"
)

// OnStoreError says what a middleware does when its shared store fails.
type OnStoreError string

// Store failure modes. The zero value is [FailClosed].
const (
	// FailClosed refuses requests with 503 while the store is down.
	FailClosed OnStoreError = "fail_closed"
	// FailOpen lets requests through unlimited while the store is down.
	FailOpen OnStoreError = "fail_open"
	// Local limits with a per-process fallback store (usually memory)
	// while the store is down: each gateway then enforces the limit on its
	// own.
	Local OnStoreError = "local"
)

// DefaultProbeInterval is how often, during an outage, one request tries
// the store again.
const DefaultProbeInterval = time.Second

// MonitorConfig configures a [Monitor].
type MonitorConfig struct {
	// Store names the store in events and logs, e.g. "redis".
	Store string
	// Events receives store.unavailable and store.recovered.
	Events *audit.Logger
	// Log receives one error line per outage and one info line per
	// recovery. Nil means slog.Default().
	Log *slog.Logger
	// ProbeInterval is the time between retries during an outage;
	// 0 means [DefaultProbeInterval].
	ProbeInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Monitor tracks the health of one shared store for every middleware that
// uses it, so that an outage yields one event and one log line, not one per
// request, and recovery is noticed without intervention: while the store is
// down, at most one request per ProbeInterval tries it, the others go
// straight to the failure mode. It is safe for concurrent use and
// lock-free.
type Monitor struct {
	cfg       MonitorConfig
	down      atomic.Bool
	nextProbe atomic.Int64 // unix nanoseconds
}

// NewMonitor returns a Monitor. It validates nothing that can fail; the
// error is for symmetry with other constructors and future fields.
func NewMonitor(cfg MonitorConfig) (*Monitor, error) {
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = DefaultProbeInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Store == "" {
		cfg.Store = "ratelimit"
	}
	return &Monitor{cfg: cfg}, nil
}

// Down reports whether the store is in an outage.
func (m *Monitor) Down() bool { return m.down.Load() }

// Try reports whether the caller should use the store now: always while it
// is healthy, and during an outage for one caller per probe interval.
func (m *Monitor) Try() bool {
	if !m.down.Load() {
		return true
	}
	now := m.cfg.Now().UnixNano()
	next := m.nextProbe.Load()
	return now >= next && m.nextProbe.CompareAndSwap(next, now+int64(m.cfg.ProbeInterval))
}

// Success records that the store answered; the first success after an
// outage emits store.recovered.
func (m *Monitor) Success(r *http.Request) {
	if m.down.Load() && m.down.CompareAndSwap(true, false) {
		m.cfg.Events.Emit(r, audit.Event{Name: audit.StoreRecovered, Reason: m.cfg.Store + " answers again", OWASP: audit.OWASPResource})
		m.cfg.Log.Info("store recovered", slog.String("store", m.cfg.Store))
	}
}

// Failure records that the store failed; the first failure of an outage
// emits store.unavailable and logs err once. err comes from the store
// client and carries no request data.
func (m *Monitor) Failure(r *http.Request, err error) {
	m.nextProbe.Store(m.cfg.Now().UnixNano() + int64(m.cfg.ProbeInterval))
	if !m.down.Load() && m.down.CompareAndSwap(false, true) {
		m.cfg.Events.Emit(r, audit.Event{Name: audit.StoreUnavailable, Reason: m.cfg.Store + " unavailable", OWASP: audit.OWASPResource,
			Attrs: []slog.Attr{slog.String("store", m.cfg.Store)}})
		m.cfg.Log.LogAttrs(context.Background(), slog.LevelError, "store unavailable",
			slog.String("store", m.cfg.Store), slog.String("error", err.Error()))
	}
}
