package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-api/rampart/examples/demo"
	"github.com/rampart-api/rampart/internal/testproc"
)

func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(int32(s[0].Value.Uint64()))
}

// serveHeapFloor runs serve on a configuration whose server section
// ends with extra, and returns the config path, the server log's path and
// the function that stops serve and waits for it.
func serveHeapFloor(t *testing.T, extra string) (path, serverLog string, stop func()) {
	t.Helper()
	dir := t.TempDir()
	path, serverLog = filepath.Join(dir, "rampart.yaml"), filepath.Join(dir, "server.log")
	writeHeapFloorConfig(t, path, serverLog, extra)
	_, stop = startServe(t, path)
	return path, serverLog, stop
}

func writeHeapFloorConfig(t *testing.T, path, serverLog, extra string) {
	t.Helper()
	doc := fmt.Sprintf(`server: {listen: "127.0.0.1:0"%s}
upstreams: {app: {url: "http://127.0.0.1:9"}}
log: {access: "off", events: "off", server: %q}
routes: [{path: /a, upstream: app, auth: none}]
`, extra, serverLog)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestServeHeapFloor: serve raises the GC percent for the default floor
// and says so at start; a reload to 0 returns the collector to GOGC=100,
// a reload to a new floor raises it again, and the stop restores 100.
func TestServeHeapFloor(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	path, serverLog, stop := serveHeapFloor(t, "")
	waitLog(t, serverLog, `"heap_floor":"64 MiB"`)
	if p := gcPercent(); p <= 100 {
		t.Fatalf("percent %d with the default floor, want it raised", p)
	}

	writeHeapFloorConfig(t, path, serverLog, ", heap_floor: 0")
	_ = syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitLog(t, serverLog, `"msg":"configuration reloaded","config":"`+path+`","heap_floor":"off"`)
	if p := gcPercent(); p != 100 {
		t.Fatalf("percent %d after a reload to heap_floor: 0, want 100", p)
	}

	writeHeapFloorConfig(t, path, serverLog, ", heap_floor: 268435456")
	_ = syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitLog(t, serverLog, `"heap_floor":"256 MiB"`)
	if p := gcPercent(); p <= 100 {
		t.Fatalf("percent %d after a reload to 256 MiB, want it raised", p)
	}

	stop()
	if p := gcPercent(); p != 100 {
		t.Fatalf("percent %d after the stop, want 100 restored", p)
	}
}

// TestServeHeapFloorGOGC: a GOGC in the environment turns the floor off,
// once said in the server log, and the percent stays the user's.
func TestServeHeapFloorGOGC(t *testing.T) {
	t.Setenv("GOGC", "300")
	defer debug.SetGCPercent(debug.SetGCPercent(300))

	_, serverLog, stop := serveHeapFloor(t, ", heap_floor: 134217728")
	log := waitLog(t, serverLog, `"heap_floor":"off (GOGC=300)"`)
	stop()
	if n := strings.Count(log, "heap floor off: GOGC is set"); n != 1 {
		t.Fatalf("the override is said %d times, want once:\n%s", n, log)
	}
	if p := gcPercent(); p != 300 {
		t.Fatalf("percent %d, want the environment's 300", p)
	}
}

// startDemo runs the demo on free loopback ports, with demo.ConfigYAML's
// server section starting with extra. It returns a function that waits
// for the demo's log to hold a string and returns the log, failing the
// test if the demo stops first, and the function that stops the demo and
// waits for it.
func startDemo(t *testing.T, extra string) (logged func(string) string, stop func()) {
	t.Helper()
	orig := demo.ConfigYAML
	restore := func() { demo.ConfigYAML = orig }
	t.Cleanup(restore)
	if extra != "" {
		cfg := bytes.Replace(orig, []byte("\nserver:\n"), []byte("\nserver:\n  "+extra+"\n"), 1)
		if bytes.Equal(cfg, orig) {
			t.Fatal("no server section in the demo's configuration")
		}
		demo.ConfigYAML = cfg
	}
	logs := new(testproc.Buffer)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	o := demo.Options{APIListen: "127.0.0.1:0", GatewayListen: "127.0.0.1:0", Logs: logs}
	go func() { done <- runDemo(ctx, o, io.Discard) }()
	var result error
	stopped := false
	logged = func(s string) string {
		t.Helper()
		// The demo compiles an OpenAPI document and a key set before it
		// logs; under the race detector on a busy machine that is slow.
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			if out := logs.String(); strings.Contains(out, s) {
				return out
			}
			select {
			case result = <-done:
				stopped = true
				t.Fatalf("the demo stopped (%v) before logging %s:\n%s", result, s, logs.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
		t.Fatalf("no %s in:\n%s", s, logs.String())
		return ""
	}
	return logged, func() {
		t.Helper()
		cancel()
		if !stopped {
			result = <-done
		}
		restore()
		if result != nil {
			t.Fatal(result)
		}
	}
}

// TestDemoHeapFloor: demo applies its configuration's server.heap_floor,
// not the default, says which floor is in force, and the stop restores
// the percent.
func TestDemoHeapFloor(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	logged, stop := startDemo(t, "heap_floor: 268435456")
	logged(`"heap_floor":"256 MiB"`)
	if p := gcPercent(); p <= 100 {
		t.Fatalf("percent %d with a 256 MiB floor, want it raised", p)
	}
	stop()
	if p := gcPercent(); p != 100 {
		t.Fatalf("percent %d after the stop, want 100 restored", p)
	}

	logged, stop = startDemo(t, "heap_floor: 0")
	logged(`"heap_floor":"off"`)
	if p := gcPercent(); p != 100 {
		t.Fatalf("percent %d with heap_floor: 0, want 100", p)
	}
	stop()
}

// TestDemoHeapFloorGOGC: as with serve, a GOGC in the environment turns
// the demo's floor off, said once in its log.
func TestDemoHeapFloorGOGC(t *testing.T) {
	t.Setenv("GOGC", "300")
	defer debug.SetGCPercent(debug.SetGCPercent(300))

	logged, stop := startDemo(t, "")
	log := logged(`"heap_floor":"off (GOGC=300)"`)
	stop()
	if n := strings.Count(log, "heap floor off: GOGC is set"); n != 1 {
		t.Fatalf("the override is said %d times, want once:\n%s", n, log)
	}
	if p := gcPercent(); p != 300 {
		t.Fatalf("percent %d, want the environment's 300", p)
	}
}
