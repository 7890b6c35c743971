package main

import (
	"log/slog"
	"strconv"

	"github.com/rampart-api/rampart/internal/heapfloor"
)

// startHeapFloor lets the heap grow to floor bytes before the collector
// runs (server.heap_floor). A GOGC in the environment wins, and the
// server log says so once.
func startHeapFloor(floor int64, log *slog.Logger) *heapfloor.Tuner {
	t := heapfloor.Start(floor)
	if gogc, ok := t.Overridden(); ok && floor > 0 {
		log.Info("heap floor off: GOGC is set in the environment, and the collector follows it", slog.String("gogc", gogc))
	}
	return t
}

// heapFloorAttr describes the floor in force for the server log.
func heapFloorAttr(t *heapfloor.Tuner) slog.Attr {
	const key = "heap_floor"
	if gogc, ok := t.Overridden(); ok {
		return slog.String(key, "off (GOGC="+gogc+")")
	}
	f := t.Floor()
	switch {
	case f <= 0:
		return slog.String(key, "off")
	case f%(1<<20) == 0:
		return slog.String(key, strconv.FormatInt(f>>20, 10)+" MiB")
	}
	return slog.String(key, strconv.FormatInt(f, 10)+" bytes")
}
