package jsonlimits_test

import (
	"os"
	"testing"

	"github.com/rampart-api/rampart/jsonlimits"
)

func BenchmarkCheck1KB(b *testing.B) {
	body, err := os.ReadFile("testdata/order-1k.json")
	if err != nil {
		b.Fatal(err)
	}
	l, _ := jsonlimits.New(jsonlimits.Config{})
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := l.Check(body); err != nil {
			b.Fatal(err)
		}
	}
}
