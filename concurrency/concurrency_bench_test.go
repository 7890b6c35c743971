package concurrency_test

import (
	"net/http"
	"testing"

	"github.com/rampart-api/rampart/concurrency"
)

// BenchmarkHandler is the overhead of both caps on a request that passes.
func BenchmarkHandler(b *testing.B) {
	l, _ := concurrency.New(concurrency.Config{Max: 1 << 20, PerClient: 1 << 20})
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := request("203.0.113.7")
		for pb.Next() {
			h.ServeHTTP(nil, r)
		}
	})
}
