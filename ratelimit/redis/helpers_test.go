package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// redisURL is the test server: RAMPART_TEST_REDIS, by default database 15
// of a local server. Tests write only under a unique prefix and delete
// only those keys.
func redisURL() string {
	if u := os.Getenv("RAMPART_TEST_REDIS"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/15"
}

// testClient returns a client for the test server, skipping the test when
// none answers (failing instead when CI is set), and a unique key prefix
// whose keys are deleted when the test ends.
func testClient(t testing.TB) (*goredis.Client, string) {
	t.Helper()
	opt, err := goredis.ParseURL(redisURL())
	if err != nil {
		t.Fatalf("RAMPART_TEST_REDIS: %v", err)
	}
	c := goredis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		msg := "no Redis at " + opt.Addr + " (set RAMPART_TEST_REDIS=redis://host:port/db): " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	prefix := uniquePrefix()
	t.Cleanup(func() {
		deletePrefix(c, prefix)
		c.Close()
	})
	return c, prefix
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

// proxy is a TCP relay to Redis that a test stops and starts to simulate
// an outage and a recovery.
type proxy struct {
	t      testing.TB
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
}

func newProxy(t testing.TB, target string) *proxy {
	p := &proxy{t: t, target: target, conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Stop)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = struct{}{}, struct{}{}
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// Stop closes the listener and every relayed connection: Redis is gone.
func (p *proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Start listens again on the same address: Redis is back.
func (p *proxy) Start() {
	var ln net.Listener
	var err error
	for range 50 { // the port may linger briefly after Stop
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("restarting proxy: %v", err)
	}
	p.serve(ln)
}
