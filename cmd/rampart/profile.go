package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// Environment variables that make rampart serve write Go profiles, for
// measuring the gateway under load (the benchmark sets them):
//
//   - RAMPART_CPUPROFILE: a CPU profile from start to shutdown;
//   - RAMPART_MEMPROFILE: a heap profile (allocations since start) at
//     shutdown;
//   - RAMPART_BLOCKPROFILE: where goroutines waited (channels, mutexes,
//     select, sync.Cond) from start to shutdown, every wait of 10µs or
//     more recorded, shorter ones sampled; it costs a little on every
//     wait, so it is for finding stalls, not for measuring throughput;
//   - RAMPART_MUTEXPROFILE: which holders of contended mutexes made
//     others wait, one contention event in 10 sampled;
//   - RAMPART_TRACE: a runtime execution trace from start to shutdown,
//     for `go tool trace` (scheduler, GC and syscall latency per
//     goroutine). It grows by megabytes a second under load.
//
// Profiles and traces hold no request data.
const (
	envCPUProfile   = "RAMPART_CPUPROFILE"
	envMemProfile   = "RAMPART_MEMPROFILE"
	envBlockProfile = "RAMPART_BLOCKPROFILE"
	envMutexProfile = "RAMPART_MUTEXPROFILE"
	envTrace        = "RAMPART_TRACE"
)

// blockProfileRate records every wait of 10µs or more: the stalls that
// make a latency tail.
const blockProfileRate = 10_000

// startProfiles starts the profiles the environment asks for and returns
// the function that writes them out; problems are logged, never fatal.
func startProfiles(log *slog.Logger) (stop func()) {
	var cpu, tr *os.File
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
	if path := os.Getenv(envTrace); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			log.Error("execution trace not started", slog.String("error", err.Error()))
		} else {
			tr = f
			log.Info("writing an execution trace until shutdown", slog.String("path", path))
		}
	}
	if os.Getenv(envBlockProfile) != "" {
		runtime.SetBlockProfileRate(blockProfileRate)
	}
	if os.Getenv(envMutexProfile) != "" {
		runtime.SetMutexProfileFraction(10)
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				log.Error("cpu profile not written", slog.String("error", err.Error()))
			}
		}
		if tr != nil {
			trace.Stop()
			if err := tr.Close(); err != nil {
				log.Error("execution trace not written", slog.String("error", err.Error()))
			}
		}
		if path := os.Getenv(envMemProfile); path != "" {
			if err := writeHeapProfile(path); err != nil {
				log.Error("heap profile not written", slog.String("error", err.Error()))
			}
		}
		for env, name := range map[string]string{envBlockProfile: "block", envMutexProfile: "mutex"} {
			if path := os.Getenv(env); path != "" {
				if err := writeProfile(name, path); err != nil {
					log.Error(name+" profile not written", slog.String("error", err.Error()))
				}
			}
		}
	}
}

func writeHeapProfile(path string) error {
	runtime.GC()
	return writeProfile("allocs", path)
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
