package audit

import (
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Outcome is one finished request, as the access log records it.
type Outcome struct {
	// Status is the status the client got; 499 when it went away first.
	Status int
	// Bytes is the size of the response body written.
	Bytes int64
	// Duration is the time from the request's arrival to its last byte.
	Duration time.Duration
}

// Observer receives the security events and request outcomes the
// gateway records, alongside or instead of the logs: metrics and the
// security console are observers.
//
// Both methods run on the request's goroutine, before the response is
// finished for events and right after it for outcomes, so they must be
// fast and must not block; they must not keep r or modify it. The
// request's [rampart.Info] gives its route, client IP, request id, trace
// id and verified subject. r is nil for events not tied to a request
// (configuration reloads). An event's Reason and Attrs are as emitted:
// an observer that shows them to people passes them through [Redact]
// first, as the event log does.
type Observer interface {
	ObserveEvent(r *http.Request, e Event)
	ObserveRequest(r *http.Request, o Outcome)
}

// Hub fans events and outcomes out to the observers subscribed to it.
// With no observer subscribed, delivering costs one atomic load. It is
// safe for concurrent use; a nil *Hub has no observers.
type Hub struct {
	mu  sync.Mutex // serialises Subscribe and unsubscribe
	obs atomic.Pointer[[]Observer]
}

// NewHub returns a hub with no observers.
func NewHub() *Hub { return &Hub{} }

// Subscribe adds o and returns the function that removes it. Events and
// outcomes already being delivered may still reach o after it is removed.
func (h *Hub) Subscribe(o Observer) (unsubscribe func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var cur []Observer
	if p := h.obs.Load(); p != nil {
		cur = *p
	}
	next := append(slices.Clip(cur), o)
	h.obs.Store(&next)
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			cur := *h.obs.Load()
			i := slices.Index(cur, o)
			if i < 0 {
				return
			}
			next := slices.Delete(slices.Clone(cur), i, i+1)
			h.obs.Store(&next)
		})
	}
}

func (h *Hub) observers() []Observer {
	if h == nil {
		return nil
	}
	if p := h.obs.Load(); p != nil {
		return *p
	}
	return nil
}

// Event delivers e to every observer.
func (h *Hub) Event(r *http.Request, e Event) {
	for _, o := range h.observers() {
		o.ObserveEvent(r, e)
	}
}

// Request delivers o to every observer.
func (h *Hub) Request(r *http.Request, out Outcome) {
	for _, o := range h.observers() {
		o.ObserveRequest(r, out)
	}
}

// Observed returns a Logger that also delivers every event to hub's
// observers, whether or not l writes them anywhere: l may be nil (events
// not logged) and the result still feeds hub. A nil hub returns l.
func (l *Logger) Observed(hub *Hub) *Logger {
	if hub == nil {
		return l
	}
	n := &Logger{hub: hub}
	if l != nil {
		n.h = l.h
	}
	return n
}

// Observed returns an AccessLog that also delivers every request's
// outcome to hub's observers, whether or not a writes it anywhere: a may
// be nil (access log off) and the result still feeds hub. A nil hub
// returns a.
func (a *AccessLog) Observed(hub *Hub) *AccessLog {
	if hub == nil {
		return a
	}
	n := &AccessLog{hub: hub}
	if a != nil {
		n.h, n.w = a.h, a.w
	}
	return n
}
