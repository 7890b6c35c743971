package claims

import "testing"

func BenchmarkLookup(b *testing.B) {
	claims := sampleClaims(b)
	for _, path := range []string{"roles", "realm_access.roles", "https://example.com/roles"} {
		p, err := Parse(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := p.Lookup(claims); !ok {
					b.Fatal("not found")
				}
			}
		})
	}
}
