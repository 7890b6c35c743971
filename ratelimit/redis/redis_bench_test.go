package redis_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-api/rampart/ratelimit"
	rlredis "github.com/rampart-api/rampart/ratelimit/redis"
)

// BenchmarkAllow reports Redis decisions per second with 1 and 64
// concurrent callers per CPU (one client, default pool), without a
// decision timeout and with the gateway's (a deadline carried into the
// script, and a return at the deadline).
func BenchmarkAllow(b *testing.B) {
	c, prefix := testClient(b)
	for _, timeout := range []time.Duration{0, 300 * time.Millisecond} {
		l, err := rlredis.New(rlredis.Config{Client: c, Limit: ratelimit.Limit{Rate: 1 << 20, Period: time.Hour, Burst: 1 << 20}, Prefix: prefix, Timeout: timeout})
		if err != nil {
			b.Fatal(err)
		}
		benchAllow(b, "timeout="+timeout.String()+"/", l)
	}
}

func benchAllow(b *testing.B, name string, l *rlredis.Limiter) {
	for _, par := range []int{1, 64} {
		b.Run(name+"callers="+strconv.Itoa(par), func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(par)
			var n atomic.Int64
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				key := "k" + strconv.FormatInt(n.Add(1)%256, 10)
				for pb.Next() {
					if _, err := l.Allow(context.Background(), key, 1); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "decisions/s")
		})
	}
}
