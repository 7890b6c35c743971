package heapfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

const mib = 1 << 20

// goal is the runtime's heap goal for a percent: live plus the percent of
// live and roots, never below the heap minimum (runtime/mgcpacer.go).
func goal(s heapState, percent int) uint64 {
	g := s.live + (s.live+s.roots)*uint64(percent)/100
	return max(g, heapMinimumPer100*uint64(percent)/100)
}

func TestPercentFor(t *testing.T) {
	for _, tc := range []struct {
		name  string
		floor int64
		base  int
		s     heapState
		// wantBase: the percent stays at base; otherwise the goal must
		// land on the floor (within 1%) and never above it.
		wantBase bool
	}{
		{name: "empty heap at start", floor: 64 * mib, base: 100, s: heapState{}},
		{name: "small live heap", floor: 64 * mib, base: 100, s: heapState{live: 3 * mib, roots: mib / 2}},
		{name: "live heap where the heap minimum decides", floor: 64 * mib, base: 100, s: heapState{live: 200 << 10, roots: 100 << 10}},
		{name: "large roots (many goroutine stacks)", floor: 64 * mib, base: 100, s: heapState{live: 4 * mib, roots: 12 * mib}},
		{name: "just under half the floor", floor: 64 * mib, base: 100, s: heapState{live: 31 * mib, roots: 2 * mib}, wantBase: true},
		{name: "live heap at half the floor", floor: 64 * mib, base: 100, s: heapState{live: 32 * mib}, wantBase: true},
		{name: "live heap past the floor", floor: 64 * mib, base: 100, s: heapState{live: 200 * mib, roots: mib}, wantBase: true},
		{name: "live heap at the floor", floor: 64 * mib, base: 100, s: heapState{live: 64 * mib}, wantBase: true},
		{name: "floor off", floor: 0, base: 100, s: heapState{live: mib}, wantBase: true},
		{name: "negative floor is off", floor: -1, base: 100, s: heapState{live: mib}, wantBase: true},
		{name: "collector off stays off", floor: 64 * mib, base: -1, s: heapState{live: mib}, wantBase: true},
		{name: "floor under the heap minimum", floor: 2 * mib, base: 100, s: heapState{live: 100 << 10}, wantBase: true},
		{name: "higher base already reaches the floor", floor: 64 * mib, base: 800, s: heapState{live: 8 * mib}, wantBase: true},
		{name: "huge floor is capped", floor: 1 << 62, base: 100, s: heapState{live: mib}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := percentFor(tc.floor, tc.base, tc.s)
			if tc.wantBase {
				if p != tc.base {
					t.Fatalf("percent %d, want the base %d", p, tc.base)
				}
				return
			}
			if p <= tc.base {
				t.Fatalf("percent %d, want it above the base %d", p, tc.base)
			}
			floor := uint64(min(tc.floor, maxFloor))
			if g := goal(tc.s, p); g > floor || g < floor-floor/100 {
				t.Fatalf("percent %d gives a heap goal of %d, want %d (at most, within 1%%)", p, g, floor)
			}
		})
	}
}

// fake drives a tuner with a live heap set by the test, recording the
// percents it sets instead of changing the process's.
type fake struct {
	s   heapState
	set []int
}

// tune does what a cycle does without arming a cleanup: an armed one
// could run tune on the runtime's goroutine while the test changes f.
func tune(t *Tuner) {
	t.mu.Lock()
	t.tuneLocked()
	t.mu.Unlock()
}

func (f *fake) tuner(floor int64, gogc string, base int) *Tuner {
	t := &Tuner{
		read:       func() heapState { return f.s },
		setPercent: func(p int) int { f.set = append(f.set, p); return 0 },
	}
	t.start(floor, gogc, base)
	return t
}

func TestTunerFollowsLiveHeap(t *testing.T) {
	f := &fake{s: heapState{live: 2 * mib, roots: mib}}
	tu := f.tuner(64*mib, "", 100)
	defer tu.Stop()
	if p := tu.Percent(); p <= 100 || len(f.set) != 1 || f.set[0] != p {
		t.Fatalf("small live heap: percent %d, set %v; want one raise above 100", p, f.set)
	}
	if g := goal(f.s, tu.Percent()); g < 60*mib || g > 64*mib {
		t.Fatalf("small live heap: goal %d, want about 64 MiB", g)
	}

	f.s = heapState{live: 40 * mib, roots: mib}
	tune(tu)
	if p := tu.Percent(); p != 100 || f.set[len(f.set)-1] != 100 {
		t.Fatalf("live heap past half the floor: percent %d, set %v; want 100", p, f.set)
	}

	f.s = heapState{live: 200 * mib, roots: mib}
	n := len(f.set)
	tune(tu)
	if len(f.set) != n {
		t.Fatalf("percent set again although unchanged: %v", f.set)
	}

	f.s = heapState{live: 10 * mib, roots: mib}
	tune(tu)
	if p := tu.Percent(); p <= 100 {
		t.Fatalf("live heap small again: percent %d, want it raised", p)
	}

	tu.Set(256 * mib)
	if g := goal(f.s, tu.Percent()); g < 250*mib || g > 256*mib || tu.Floor() != 256*mib {
		t.Fatalf("after Set(256 MiB): goal %d, floor %d", g, tu.Floor())
	}
	tu.Set(0)
	if p := tu.Percent(); p != 100 || tu.Floor() != 0 {
		t.Fatalf("after Set(0): percent %d, floor %d; want 100 and no floor", p, tu.Floor())
	}
}

func TestStopRestoresBase(t *testing.T) {
	f := &fake{s: heapState{live: mib}}
	tu := f.tuner(64*mib, "", 150)
	if tu.Percent() <= 150 {
		t.Fatalf("percent %d, want it raised above the base 150", tu.Percent())
	}
	tu.Stop()
	if tu.Percent() != 150 || f.set[len(f.set)-1] != 150 {
		t.Fatalf("after Stop: percent %d, set %v; want 150 restored", tu.Percent(), f.set)
	}
	n := len(f.set)
	tu.Stop()
	tu.Set(128 * mib)
	tu.cycle()
	if len(f.set) != n || tu.Floor() != 0 {
		t.Fatalf("a stopped tuner changed the percent: %v, floor %d", f.set, tu.Floor())
	}
}

func TestGOGCInEnvironmentWins(t *testing.T) {
	f := &fake{s: heapState{live: mib}}
	tu := f.tuner(64*mib, "200", 200)
	tu.cycle()
	tu.Set(128 * mib)
	tu.Stop()
	if len(f.set) != 0 {
		t.Fatalf("percent set to %v although GOGC is set", f.set)
	}
	if v, ok := tu.Overridden(); !ok || v != "200" || tu.Floor() != 0 {
		t.Fatalf("Overridden() = %q, %v; Floor() = %d", v, ok, tu.Floor())
	}

	t.Setenv("GOGC", "100")
	before := currentPercent()
	real := Start(64 * mib)
	defer real.Stop()
	runtime.GC()
	if _, ok := real.Overridden(); !ok {
		t.Fatal("Start ignored GOGC in the environment")
	}
	if p := currentPercent(); p != before {
		t.Fatalf("percent %d, want %d left alone", p, before)
	}
}

func TestNilTunerDoesNothing(t *testing.T) {
	var tu *Tuner
	tu.Set(mib)
	tu.Stop()
	if tu.Floor() != 0 || tu.Percent() != 0 {
		t.Fatal("nil tuner reports a floor")
	}
	if _, ok := tu.Overridden(); ok {
		t.Fatal("nil tuner reports an override")
	}
}

func readUint(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// cycleUntil runs collections until cond holds, giving the cleanup that
// tunes after each one the chance to run.
func cycleUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 200 {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		if cond() {
			return
		}
	}
	t.Fatalf("after 200 collections: %s", what)
}

var retained [][]byte

// TestRuntimeHeap runs the tuner on the process's own collector: the
// goal is the floor while the heap is small, the percent returns to the
// base once the retained heap passes the floor, rises again when it is
// released, and Stop restores the base.
func TestRuntimeHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	const floor = 32 * mib
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	runtime.GC()

	tu := Start(floor)
	defer tu.Stop()
	cycleUntil(t, "percent never raised", func() bool { return currentPercent() > 100 })
	if g := readUint("/gc/heap/goal:bytes"); g > floor || g < floor-floor/50 {
		t.Fatalf("heap goal %d with a small live heap, want the floor %d", g, floor)
	}

	for range 48 {
		retained = append(retained, make([]byte, mib))
	}
	cycleUntil(t, "percent not back to 100 with 48 MiB retained", func() bool { return currentPercent() == 100 })
	if live := readUint("/gc/heap/live:bytes"); live < floor {
		t.Fatalf("live heap %d, want it above the floor", live)
	}
	if tu.Percent() != 100 {
		t.Fatalf("tuner reports %d", tu.Percent())
	}

	retained = nil
	cycleUntil(t, "percent not raised again after the heap was released", func() bool { return currentPercent() > 100 })

	tu.Stop()
	if p := currentPercent(); p != 100 {
		t.Fatalf("after Stop: percent %d, want 100", p)
	}
}

func TestStopRestoresRuntimePercent(t *testing.T) {
	t.Setenv("GOGC", "")
	prev := debug.SetGCPercent(150)
	defer debug.SetGCPercent(prev)
	tu := Start(256 * mib)
	if p := currentPercent(); p <= 150 {
		t.Fatalf("percent %d after Start, want it raised above 150", p)
	}
	tu.Stop()
	if p := currentPercent(); p != 150 {
		t.Fatalf("percent %d after Stop, want 150", p)
	}
}

// TestMemoryLimitWins: GOMEMLIMIT (here debug.SetMemoryLimit) under the
// floor still bounds the heap goal, whatever percent the tuner sets.
func TestMemoryLimitWins(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	const limit = 24 * mib
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit))

	tu := Start(256 * mib)
	defer tu.Stop()
	cycleUntil(t, "percent never raised", func() bool { return currentPercent() > 100 })
	if g := readUint("/gc/heap/goal:bytes"); g > limit {
		t.Fatalf("heap goal %d above the memory limit %d", g, uint64(limit))
	}
}
