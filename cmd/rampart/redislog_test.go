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
	stop := routeRedisLog(slog.New(slog.NewJSONHandler(&buf, nil)))
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
