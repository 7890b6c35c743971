// Package testproc is what tests that run external processes (Redis,
// node, Flask, a built Go app) share: one rule for a missing tool, a free
// port, and a readiness wait with a timeout.
package testproc

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"
)

// Require skips the test when ok is false, or fails it when the CI
// environment variable is set: CI must never pass by skipping. The
// message says what is missing and how to get it.
func Require(t testing.TB, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WaitHTTP polls GET url until it answers with status want, failing the
// test after timeout, or at once when exited (if not nil) is closed: the
// process died before it was ready. logs, if not nil, is added to the
// failure message.
func WaitHTTP(t testing.TB, url string, want int, timeout time.Duration, exited <-chan struct{}, logs fmt.Stringer) {
	t.Helper()
	output := func() string {
		if logs == nil {
			return ""
		}
		return "\n" + logs.String()
	}
	deadline := time.Now().Add(timeout)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == want {
				return
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		select {
		case <-exited:
			t.Fatalf("exited before %s answered %d:%s", url, want, output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer %d within %v: %v%s", url, want, timeout, err, output())
		}
	}
}

// Buffer collects a process's output or a log for a test: safe for the
// writer goroutine and the test to use at once. The zero value is ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
