package introspect_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rampart-api/rampart/auth/introspect"
)

// BenchmarkAuthenticateCached is the per-request cost once a token's
// answer is cached: bearer extraction, SHA-256, LRU lookup, principal copy.
func BenchmarkAuthenticateCached(b *testing.B) {
	i := newIdP(b, map[string]string{"tok": fmt.Sprintf(`{"active":true,"sub":"alice","exp":%d}`, exp(time.Hour))})
	cfg := i.config(newClock())
	cfg.Issuer, cfg.Audience = "", nil
	a, err := introspect.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	r := request("tok")
	if _, err := a.Authenticate(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}
