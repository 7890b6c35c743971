package tracing

import (
	"sync"
	"testing"
)

// TestNewTrace takes new traces from many goroutines at once, across many
// blocks, from tracers sampling all, half and none: each traceparent is
// that of its context, the sampled flag is the tracer's decision for the
// trace id, and no trace id or span id comes twice.
func TestNewTrace(t *testing.T) {
	half, err := New(Config{SampleRatio: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	none, err := New(Config{SampleRatio: 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range []*Tracer{nil, half, none} {
		const workers, each = 4, 500
		got := make([][]SpanContext, workers)
		var wg sync.WaitGroup
		for w := range got {
			wg.Go(func() {
				for range each {
					sc, tp := tr.newTrace()
					if p, ok := ParseTraceparent(tp); !ok || p != sc {
						t.Errorf("traceparent %q for %+v", tp, sc)
					}
					got[w] = append(got[w], sc)
				}
			})
		}
		wg.Wait()
		traces, spans, sampled := map[[16]byte]bool{}, map[[8]byte]bool{}, 0
		for _, list := range got {
			for _, sc := range list {
				if traces[sc.TraceID] || spans[sc.SpanID] {
					t.Fatalf("repeated trace or span id: %+v", sc)
				}
				traces[sc.TraceID], spans[sc.SpanID] = true, true
				if sc.Sampled != tr.sampleNew(sc.TraceID) {
					t.Fatalf("sampled = %v for %x", sc.Sampled, sc.TraceID)
				}
				if sc.Sampled {
					sampled++
				}
			}
		}
		switch {
		case tr == nil && sampled != workers*each, tr == none && sampled != 0,
			tr == half && (sampled < workers*each/4 || sampled > workers*each*3/4):
			t.Errorf("tracer %p: %d of %d new traces sampled", tr, sampled, workers*each)
		}
	}
}

// TestNewTraceAllocations pins that a new trace costs less than one
// allocation: traces are made a block at a time.
func TestNewTraceAllocations(t *testing.T) {
	if n := testing.AllocsPerRun(1000, func() { _, _ = (*Tracer)(nil).newTrace() }); n >= 1 && !raceEnabled {
		t.Errorf("newTrace: %v allocations per trace, want fewer than one", n)
	}
}
