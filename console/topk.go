package console

import (
	"container/heap"
	"sort"
	"time"
)

// topK counts the most frequent keys of a stream in O(k) memory with the
// space-saving algorithm (Metwally, Agrawal, El Abbadi, 2005): a key not
// tracked when all k counters are taken replaces the smallest one and
// inherits its count, which is kept as the error bound. Every key whose
// true count exceeds n/k is in the table. It is not safe for concurrent
// use.
type topK struct {
	k int
	m map[string]*ssEntry
	h ssHeap
}

type ssEntry struct {
	key        string
	count, err int64
	idx        int
}

func newTopK(k int) *topK { return &topK{k: k, m: make(map[string]*ssEntry, k)} }

func (t *topK) add(key string) {
	if e, ok := t.m[key]; ok {
		e.count++
		heap.Fix(&t.h, e.idx)
		return
	}
	if len(t.m) < t.k {
		e := &ssEntry{key: key, count: 1}
		t.m[key] = e
		heap.Push(&t.h, e)
		return
	}
	e := t.h[0]
	delete(t.m, e.key)
	e.key, e.err = key, e.count
	e.count++
	t.m[key] = e
	heap.Fix(&t.h, 0)
}

func (t *topK) len() int { return len(t.m) }

type ssHeap []*ssEntry

func (h ssHeap) Len() int           { return len(h) }
func (h ssHeap) Less(i, j int) bool { return h[i].count < h[j].count }
func (h ssHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *ssHeap) Push(x any)        { e := x.(*ssEntry); e.idx = len(*h); *h = append(*h, e) }
func (h *ssHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// Count is one row of a top table. Count may overstate the true count by
// at most Error.
type Count struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
	Error int64  `json:"error,omitempty"`
}

// windowedTopK keeps two generations of a [topK], each covering span, so
// that a table always covers between span and twice span of the past and
// forgets older offenders.
type windowedTopK struct {
	k         int
	span      time.Duration
	cur, prev *topK
	started   time.Time
}

func newWindowedTopK(k int, span time.Duration) *windowedTopK {
	return &windowedTopK{k: k, span: span, cur: newTopK(k), prev: newTopK(k)}
}

func (w *windowedTopK) rotate(now time.Time) {
	if w.started.IsZero() {
		w.started = now
	}
	if now.Sub(w.started) >= 2*w.span {
		w.prev, w.cur, w.started = newTopK(w.k), newTopK(w.k), now
	} else if now.Sub(w.started) >= w.span {
		w.prev, w.cur, w.started = w.cur, newTopK(w.k), now
	}
}

func (w *windowedTopK) add(now time.Time, key string) {
	if key == "" {
		return
	}
	w.rotate(now)
	w.cur.add(key)
}

// top returns the n largest counts of both generations, largest first.
func (w *windowedTopK) top(now time.Time, n int) []Count {
	w.rotate(now)
	sum := make(map[string]*Count, w.cur.len()+w.prev.len())
	for _, g := range []*topK{w.prev, w.cur} {
		for k, e := range g.m {
			c := sum[k]
			if c == nil {
				c = &Count{Key: k}
				sum[k] = c
			}
			c.Count += e.count
			c.Error += e.err
		}
	}
	out := make([]Count, 0, len(sum))
	for _, c := range sum {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// entries is how many keys both generations hold; never more than 2k.
func (w *windowedTopK) entries() int { return w.cur.len() + w.prev.len() }
