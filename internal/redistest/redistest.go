// Package redistest gives tests one way to reach Redis: the shared test
// server named by RAMPART_TEST_REDIS, or a private redis-server a test owns
// ([Start], [StartTLS]), a three-master Cluster ([StartCluster]) or a
// master, replica and Sentinels ([StartSentinels]).
//
// Without Redis a test is skipped, unless the CI environment variable is
// set, in which case it fails: CI must never pass by skipping.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/internal/testproc"
)

// DefaultURL is the shared test server when RAMPART_TEST_REDIS is unset:
// database 15 of a local server.
const DefaultURL = "redis://127.0.0.1:6379/15"

// URL is the shared test server: RAMPART_TEST_REDIS, or [DefaultURL].
func URL() string {
	if u := os.Getenv("RAMPART_TEST_REDIS"); u != "" {
		return u
	}
	return DefaultURL
}

// Client returns a client for the shared test server and a unique key
// prefix. The server's database is shared with tests running in parallel
// in other packages, so it is never flushed: a test writes only under its
// prefix, and those keys are deleted when the test ends. Without a server
// answering within 2s the test is skipped (failed under CI).
func Client(t testing.TB) (*goredis.Client, string) {
	t.Helper()
	opt, err := goredis.ParseURL(URL())
	if err != nil {
		t.Fatalf("RAMPART_TEST_REDIS: %v", err)
	}
	c := goredis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		testproc.Require(t, false, "no Redis at %s (set RAMPART_TEST_REDIS=redis://host:port/db): %v", opt.Addr, err)
	}
	prefix := uniquePrefix()
	t.Cleanup(func() {
		deletePrefix(c, prefix)
		c.Close()
	})
	return c, prefix
}

// Need is [Client] for tests that connect by URL themselves, such as a
// gateway built from a configuration file: it returns the shared server's
// URL and a unique key prefix deleted when the test ends.
func Need(t testing.TB) (url, prefix string) {
	t.Helper()
	_, prefix = Client(t)
	return URL(), prefix
}

func uniquePrefix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "rampart-test:" + hex.EncodeToString(b[:]) + ":"
}

func deletePrefix(c *goredis.Client, prefix string) {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
}

// Process is a redis-server a test owns, so that it can pause (SIGSTOP)
// or kill it without touching the shared server.
type Process struct {
	cmd *exec.Cmd
	// Addr is the loopback host:port the server listens on.
	Addr string
}

// Start starts redis-server on a free loopback port without persistence,
// waits until it answers, and kills it when the test ends. Without
// redis-server the test is skipped (failed under CI).
func Start(t testing.TB) *Process {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	testproc.Require(t, err == nil, "redis-server not found")
	cmd, ports := startServer(t, 1, func(ports []int) *exec.Cmd {
		return exec.Command(bin, "--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	}, nil)
	return &Process{cmd: cmd, Addr: "127.0.0.1:" + strconv.Itoa(ports[0])}
}

// URL is the process's database 0 as a redis:// URL.
func (p *Process) URL() string { return "redis://" + p.Addr + "/0" }

// Signal sends sig to the server, failing the test if it cannot.
func (p *Process) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}
