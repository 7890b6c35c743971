package main

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// startServe runs serve on the configuration at path and returns the
// address it listens on once it is ready, and the function that stops it
// and fails the test if serve returned an error.
func startServe(t *testing.T, path string) (addr net.Addr, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan net.Addr, 1), make(chan error, 1)
	go func() { done <- serve(ctx, path, io.Discard, func(a net.Addr) { addrc <- a }) }()
	select {
	case addr = <-addrc:
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	return addr, func() {
		t.Helper()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// waitLog waits up to five seconds for file to contain s and returns the
// file's text.
func waitLog(t *testing.T, file, s string) string {
	t.Helper()
	for range 250 {
		b, _ := os.ReadFile(file)
		if strings.Contains(string(b), s) {
			return string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, _ := os.ReadFile(file)
	t.Fatalf("no %s in %s:\n%s", s, file, b)
	return ""
}
