package memory_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/memory"
)

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "ip:10." + strconv.Itoa(i>>16&255) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255)
	}
	return keys
}

// BenchmarkAllow is one decision for a key already held: the hot path.
func BenchmarkAllow(b *testing.B) {
	l, _ := memory.New(memory.Config{Limit: ratelimit.Limit{Rate: 1 << 30, Period: time.Hour, Burst: 1 << 20}})
	keys := benchKeys(1024)
	ctx := context.Background()
	for _, k := range keys {
		l.Allow(ctx, k, 1)
	}
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.Allow(ctx, keys[i&1023], 1)
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				l.Allow(ctx, keys[i&1023], 1)
				i++
			}
		})
	})
}

// BenchmarkMillionKeys reports the heap each of 1,000,000 distinct keys
// costs, key strings included.
func BenchmarkMillionKeys(b *testing.B) {
	const n = 1_000_000
	keys := benchKeys(n)
	ctx := context.Background()
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l, _ := memory.New(memory.Config{Limit: ratelimit.PerHour(100), MaxKeys: 2 * n}) // the bound is per shard: leave room for uneven hashing
		for _, k := range keys {
			l.Allow(ctx, k, 1)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if l.Len() != n {
			b.Fatalf("holds %d keys, want %d", l.Len(), n)
		}
		keyBytes := 0
		for _, k := range keys {
			keyBytes += len(k)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/key")
		b.ReportMetric(float64(keyBytes)/n, "key-bytes/key")
		runtime.KeepAlive(l)
	}
}
