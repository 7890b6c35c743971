package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// TestRedisLogRoutedWhileServing checks that go-redis's messages reach the
// serving gateway's log as JSON, and nowhere once it stopped.
func TestRedisLogRoutedWhileServing(t *testing.T) {
	var buf bytes.Buffer
	stop := routeRedisLog(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	// A client that cannot reach its Sentinel makes go-redis log.
	c := goredis.NewFailoverClient(&goredis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{"127.0.0.1:1"}, MaxRetries: -1})
	_ = c.Ping(context.Background()).Err()
	c.Close()
	stop()
	if !strings.Contains(buf.String(), `"msg":"redis client"`) || !strings.Contains(buf.String(), "sentinel") {
		t.Fatalf("go-redis's message not in the server log: %q", buf.String())
	}
	n := buf.Len()
	redisLog{}.Printf(context.Background(), "after %s", "stop")
	if buf.Len() != n {
		t.Fatal("logged after the gateway stopped")
	}
}

// TestRedisLogLevels keeps dial failures, which come once per attempt
// during an outage, below the default level, and topology changes above.
func TestRedisLogLevels(t *testing.T) {
	var buf bytes.Buffer
	stop := routeRedisLog(slog.New(slog.NewJSONHandler(&buf, nil))) // info
	defer stop()
	redisLog{}.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts", 1)
	if buf.Len() != 0 {
		t.Fatalf("a dial failure logged at info: %s", buf.String())
	}
	redisLog{}.Printf(context.Background(), "sentinel: new master=%q addr=%q", "m", "127.0.0.1:6380")
	if !strings.Contains(buf.String(), `"level":"INFO"`) || !strings.Contains(buf.String(), "new master") {
		t.Fatalf("a failover not logged at info: %q", buf.String())
	}
}
