package route_test

import (
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/route"
)

func BenchmarkNormalizeCanonical(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = route.Normalize("/api/users/42/notes/7")
	}
}

func BenchmarkNormalizeDirty(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = route.Normalize("/api//users/./42/notes/%37")
	}
}

func BenchmarkMatch(b *testing.B) {
	tbl, err := route.NewTable(specs, route.Options{})
	if err != nil {
		b.Fatal(err)
	}
	params := make([]rampart.Param, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = tbl.Match("GET", "/api/users/42/notes/7", params[:0])
	}
}
