package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
)

// Environment variables that make rampart serve write Go profiles, for
// measuring the gateway under load (the benchmark sets them): a CPU
// profile from start to shutdown, and a heap profile (allocations since
// start) at shutdown. Profiles hold no request data.
const (
	envCPUProfile = "RAMPART_CPUPROFILE"
	envMemProfile = "RAMPART_MEMPROFILE"
)

// startProfiles starts the profiles the environment asks for and returns
// the function that writes them out; problems are logged, never fatal.
func startProfiles(log *slog.Logger) (stop func()) {
	var cpu *os.File
	if path := os.Getenv(envCPUProfile); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			log.Error("cpu profile not started", slog.String("error", err.Error()))
		} else {
			cpu = f
			log.Info("writing a cpu profile until shutdown", slog.String("path", path))
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				log.Error("cpu profile not written", slog.String("error", err.Error()))
			}
		}
		if path := os.Getenv(envMemProfile); path != "" {
			if err := writeHeapProfile(path); err != nil {
				log.Error("heap profile not written", slog.String("error", err.Error()))
			}
		}
	}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
