package main

import (
	"context"
	"fmt"
	"log/slog"
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

// routeRedisLog sends go-redis's messages (Sentinel switching masters,
// Cluster slots moving, nodes failing) to log until the returned function
// is called.
func routeRedisLog(log *slog.Logger) (stop func()) {
	redisLogOnce.Do(func() { goredis.SetLogger(redisLog{}) })
	redisLogTo.Store(log)
	return func() { redisLogTo.CompareAndSwap(log, nil) }
}

type redisLog struct{}

func (redisLog) Printf(ctx context.Context, format string, args ...any) {
	if l := redisLogTo.Load(); l != nil {
		l.WarnContext(ctx, "redis client", slog.String("message", fmt.Sprintf(format, args...)))
	}
}
