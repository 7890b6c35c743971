// Package heapfloor lets a program's heap grow to a floor before the
// garbage collector runs, and leaves the collector as it was above it.
//
// With a live heap of a few MiB, the default GOGC=100 starts a cycle
// every few MiB allocated, and each cycle pays costs that do not shrink
// with the heap (stopping the world twice, scanning every goroutine's
// stack, flushing caches). A [Tuner] reads the live heap after each cycle
// and sets the GC percent so that the next cycle starts at the floor when
// the live heap is small, and at the percent in force at [Start] (the Go
// default, 100) once twice the live heap passes the floor: the heap goal
// is max(floor, 2×live). GOMEMLIMIT keeps working, since it bounds the
// heap independently of the percent.
//
// A GOGC set in the environment wins: the tuner then never changes the
// percent.
//
//	t := heapfloor.Start(64 << 20)
//	defer t.Stop()
//	// on reload:
//	t.Set(128 << 20)
//
// The percent is the process's, so one tuner should run at a time; the
// gateway binary starts it, the library never does.
package heapfloor
