package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"
)

// go-redis has one logger for the whole process, which writes to stderr
// by default. The gateway packages leave it alone (a program that
// imports them keeps its own choice); the rampart binary, which owns the
// process, routes it into the server log of the gateway that is serving,
// and drops it while none is.
var (
	redisLogOnce sync.Once
	redisLogTo   atomic.Pointer[slog.Logger]
)

// routeRedisLog sends go-redis's messages to log until the returned
// function is called: Sentinel and Cluster topology changes (a new
// master, slots moving) at info level, everything else (a failed dial,
// once per attempt) at debug level, since the rate limiter's monitor
// already reports an outage once, as a warning and an event.
func routeRedisLog(log *slog.Logger) (stop func()) {
	redisLogOnce.Do(func() { goredis.SetLogger(redisLog{}) })
	redisLogTo.Store(log)
	return func() { redisLogTo.CompareAndSwap(log, nil) }
}

type redisLog struct{}

func (redisLog) Printf(ctx context.Context, format string, args ...any) {
	l := redisLogTo.Load()
	if l == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	level := slog.LevelDebug
	if strings.HasPrefix(msg, "sentinel: ") || strings.HasPrefix(msg, "cluster: ") {
		level = slog.LevelInfo
	}
	l.Log(ctx, level, "redis client", slog.String("message", msg))
}
