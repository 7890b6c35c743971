package main

import "testing"

// BenchmarkParseEntry measures the per-entry cost of a conversion, which
// runs once per vulndb version (about 4,800 entries).
func BenchmarkParseEntry(b *testing.B) {
	data := []byte(osvStdlib)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := parseEntry("GO-2024-2687.json", data); err != nil {
			b.Fatal(err)
		}
	}
}
