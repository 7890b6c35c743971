package heapfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// heapMinimumPer100 is the runtime's smallest heap goal at GOGC=100; it
// scales with the percent (4 MiB × percent/100), so a percent above
// floor×100/heapMinimumPer100 would put the goal above the floor even
// when the live heap is empty.
const heapMinimumPer100 = 4 << 20

// maxFloor (64 TiB) keeps the percent, at most maxFloor×100/4 MiB,
// within the runtime's int32.
const maxFloor = 1 << 46

// heapState is what the tuner reads after a cycle: the heap marked live
// and the stacks and globals the collector scanned, which the runtime
// adds to the live heap when it sizes the next cycle.
type heapState struct {
	live, roots uint64
}

// Tuner keeps the heap goal at or above a floor. It is safe for
// concurrent use; all its methods may be called on a nil *Tuner, which
// does nothing.
type Tuner struct {
	mu      sync.Mutex
	floor   int64
	base    int    // the percent in force at Start, restored by Stop
	percent int    // the percent last set
	env     string // GOGC from the environment, which turns the tuner off
	stopped bool   // no tuning: stopped, GOGC set, or the collector off

	read       func() heapState
	setPercent func(int) int
	samples    []metrics.Sample
}

// Start begins tuning the collector to floor bytes: after every cycle it
// sets the percent that makes the next cycle start at max(floor,
// 2×live). A floor of zero or less leaves the percent as it is until
// [Tuner.Set] gives one. When the environment sets GOGC, or the percent
// in force is negative (the collector is off), the returned tuner never
// changes anything: the user's setting wins.
func Start(floor int64) *Tuner {
	t := &Tuner{setPercent: debug.SetGCPercent}
	t.read = t.readRuntime
	if t.start(floor, os.Getenv("GOGC"), currentPercent()) {
		t.arm()
	}
	return t
}

// start tunes once and reports whether the tuner is to follow the
// collector's cycles.
func (t *Tuner) start(floor int64, gogc string, base int) bool {
	t.floor, t.base, t.percent = floor, base, base
	if gogc != "" {
		t.env, t.stopped = gogc, true
		return false
	}
	if base < 0 {
		t.stopped = true
		return false
	}
	t.mu.Lock()
	t.tuneLocked()
	t.mu.Unlock()
	return true
}

// sentinel is the object whose collection marks the end of a cycle. It
// holds a pointer so that the allocator never batches it with other
// small objects, which would delay its cleanup.
type sentinel struct {
	_ *byte
	_ [8]byte
}

// arm allocates a sentinel whose cleanup runs once the next cycle has
// found it unreachable; the cleanup tunes and arms again. A cleanup,
// unlike polling, costs nothing while the program does not allocate.
func (t *Tuner) arm() {
	runtime.AddCleanup(new(sentinel), (*Tuner).cycle, t)
}

func (t *Tuner) cycle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.tuneLocked()
	t.arm()
}

// Set changes the floor; zero or less returns the collector to the
// percent in force at Start. The new floor applies at once, from the
// live heap the last cycle found.
func (t *Tuner) Set(floor int64) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.floor = floor
	t.tuneLocked()
}

// Stop ends the tuning and restores the percent in force at Start. It
// may be called more than once.
func (t *Tuner) Stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.stopped = true
	if t.percent != t.base {
		t.setPercent(t.base)
		t.percent = t.base
	}
}

// Floor returns the floor in force: zero when there is none, because it
// was set so or because GOGC overrides it.
func (t *Tuner) Floor() int64 {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return 0
	}
	return max(t.floor, 0)
}

// Overridden returns the environment's GOGC when it turned the tuner
// off.
func (t *Tuner) Overridden() (gogc string, ok bool) {
	if t == nil {
		return "", false
	}
	return t.env, t.env != ""
}

// Percent returns the GC percent the tuner last set (the base percent
// when it set none).
func (t *Tuner) Percent() int {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.percent
}

func (t *Tuner) tuneLocked() {
	p := percentFor(t.floor, t.base, t.read())
	if p != t.percent {
		t.setPercent(p)
		t.percent = p
	}
}

// percentFor returns the percent that puts the next heap goal at the
// floor, or base when base already puts it higher. The runtime sizes the
// goal as live + (live+roots)×percent/100, but never below its heap
// minimum of 4 MiB×percent/100, so the percent is capped where that
// minimum reaches the floor: with a live heap too small for the first
// rule to reach the floor, the minimum does.
func percentFor(floor int64, base int, s heapState) int {
	if floor <= 0 || base < 0 {
		return base
	}
	floor = min(floor, maxFloor)
	if s.live >= uint64(floor) {
		return base
	}
	p := floor * 100 / heapMinimumPer100
	if den := s.live + s.roots; den > 0 {
		p = min(p, int64((uint64(floor)-s.live)*100/den))
	}
	return max(base, int(p))
}

var runtimeMetrics = [...]string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes"}

// readRuntime reads the figures of the last cycle. It is called with
// t.mu held, which guards the samples.
func (t *Tuner) readRuntime() heapState {
	if t.samples == nil {
		t.samples = make([]metrics.Sample, len(runtimeMetrics))
		for i, name := range runtimeMetrics {
			t.samples[i].Name = name
		}
	}
	metrics.Read(t.samples)
	v := func(i int) uint64 {
		if t.samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return t.samples[i].Value.Uint64()
	}
	return heapState{live: v(0), roots: v(1) + v(2)}
}

// currentPercent reads the GC percent in force without changing it.
func currentPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 100
	}
	return int(int32(s[0].Value.Uint64()))
}
