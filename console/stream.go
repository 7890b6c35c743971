package console

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// heartbeat keeps idle streams open through proxies and lets the page see
// that the connection is alive.
const heartbeat = 15 * time.Second

// broker fans encoded events out to connected browsers. Each subscriber
// has a bounded buffer; a subscriber that falls behind loses events
// (counted) and never slows the gateway.
type broker struct {
	n       atomic.Int32
	dropped atomic.Int64
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	buf     int
	max     int
}

type subscriber struct {
	ch      chan []byte
	dropped atomic.Int64
}

func (b *broker) init(buf, max int) {
	b.buf, b.max = buf, max
	b.subs = make(map[*subscriber]struct{})
}

// active reports whether any browser is connected: one atomic load.
func (b *broker) active() bool { return b.n.Load() > 0 }

func (b *broker) subscribe() *subscriber {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.subs) >= b.max {
		return nil
	}
	s := &subscriber{ch: make(chan []byte, b.buf)}
	b.subs[s] = struct{}{}
	b.n.Store(int32(len(b.subs)))
	return s
}

func (b *broker) unsubscribe(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, s)
	b.n.Store(int32(len(b.subs)))
}

// publish offers data to every subscriber without blocking.
func (b *broker) publish(data []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		select {
		case s.ch <- data:
		default:
			s.dropped.Add(1)
			b.dropped.Add(1)
		}
	}
}

func (b *broker) stats() streamStats {
	return streamStats{Subscribers: int(b.n.Load()), Dropped: b.dropped.Load()}
}

// serveStream is GET /events/stream: server-sent events, one "event"
// message per security event (data is the event as JSON), a "dropped"
// message with the running count when this browser fell behind, and a
// comment every 15 seconds.
func (c *Console) serveStream(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		return
	}
	s := c.stream.subscribe()
	if s == nil {
		writeProblem(w, http.StatusServiceUnavailable, "too many console streams")
		return
	}
	defer c.stream.unsubscribe(s)
	rc := http.NewResponseController(w)
	// A stream outlives any write timeout the listener sets.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(": stream open\n\n")); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	var reported int64
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case data := <-s.ch:
			_, err = w.Write(append(append([]byte("event: event\ndata: "), data...), '\n', '\n'))
			if d := s.dropped.Load(); d != reported && err == nil {
				reported = d
				_, err = w.Write([]byte("event: dropped\ndata: " + strconv.FormatInt(d, 10) + "\n\n"))
			}
		case <-tick.C:
			_, err = w.Write([]byte(": alive\n\n"))
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}
