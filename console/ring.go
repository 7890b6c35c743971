package console

import (
	"sync"
	"sync/atomic"
	"time"
)

// Resolution and span of the time series.
const (
	BucketWidth = 10 * time.Second
	Buckets     = 360 // one hour
)

// bucket counts one BucketWidth of traffic. Counters are atomic so that
// counting a request takes no lock.
type bucket struct {
	slot       atomic.Int64 // unix seconds / 10 of the interval counted
	requests   atomic.Int64
	errors5xx  atomic.Int64
	latencySum atomic.Int64 // microseconds
	latencyMax atomic.Int64
	refusals   atomic.Int64
	events     atomic.Int64
}

// ring is Buckets buckets indexed by slot modulo Buckets. A bucket found
// holding an older slot is zeroed under mu before it counts again.
type ring struct {
	mu sync.Mutex
	b  [Buckets]bucket
}

func slotOf(t time.Time) int64 { return t.Unix() / int64(BucketWidth/time.Second) }

// at returns the bucket of t, reset if it last counted another interval.
func (r *ring) at(t time.Time) *bucket {
	s := slotOf(t)
	b := &r.b[s%Buckets]
	if b.slot.Load() != s {
		r.mu.Lock()
		if cur := b.slot.Load(); cur != s {
			if cur > s { // a late record for an interval already recycled
				r.mu.Unlock()
				return nil
			}
			b.requests.Store(0)
			b.errors5xx.Store(0)
			b.latencySum.Store(0)
			b.latencyMax.Store(0)
			b.refusals.Store(0)
			b.events.Store(0)
			b.slot.Store(s)
		}
		r.mu.Unlock()
	}
	return b
}

// request counts one finished request.
func (r *ring) request(t time.Time, status int, latency time.Duration) {
	b := r.at(t)
	if b == nil {
		return
	}
	b.requests.Add(1)
	if status >= 500 {
		b.errors5xx.Add(1)
	}
	us := latency.Microseconds()
	b.latencySum.Add(us)
	for {
		m := b.latencyMax.Load()
		if us <= m || b.latencyMax.CompareAndSwap(m, us) {
			break
		}
	}
}

// event counts one security event; refused says the client got a 4xx or
// 5xx answer because of it.
func (r *ring) event(t time.Time, refused bool) {
	b := r.at(t)
	if b == nil {
		return
	}
	b.events.Add(1)
	if refused {
		b.refusals.Add(1)
	}
}

// Point is one bucket of the time series.
type Point struct {
	// Time is the start of the interval, in unix seconds.
	Time int64 `json:"t"`
	// Requests counts access log lines: every finished request.
	Requests int64 `json:"requests"`
	// Refusals counts security events whose answer was a 4xx.
	Refusals int64 `json:"refusals"`
	// Events counts every security event.
	Events int64 `json:"events"`
	// Errors5xx counts requests answered with a 5xx.
	Errors5xx int64 `json:"errors_5xx"`
	// LatencyMean and LatencyMax are the requests' durations in
	// milliseconds, arrival to last byte.
	LatencyMean float64 `json:"latency_mean_ms"`
	LatencyMax  float64 `json:"latency_max_ms"`
}

// series returns the n buckets ending with the one holding now, oldest
// first; intervals with no traffic are zero points.
func (r *ring) series(now time.Time, n int) []Point {
	if n > Buckets {
		n = Buckets
	}
	last := slotOf(now)
	out := make([]Point, 0, n)
	width := int64(BucketWidth / time.Second)
	for s := last - int64(n) + 1; s <= last; s++ {
		p := Point{Time: s * width}
		b := &r.b[((s%Buckets)+Buckets)%Buckets]
		if b.slot.Load() == s {
			p.Requests = b.requests.Load()
			p.Refusals = b.refusals.Load()
			p.Events = b.events.Load()
			p.Errors5xx = b.errors5xx.Load()
			if p.Requests > 0 {
				p.LatencyMean = float64(b.latencySum.Load()) / float64(p.Requests) / 1000
			}
			p.LatencyMax = float64(b.latencyMax.Load()) / 1000
		}
		out = append(out, p)
	}
	return out
}
