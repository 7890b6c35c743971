package gateway

import (
	"strings"
	"testing"
)

func FuzzConnectionOptions(f *testing.F) {
	for _, s := range []string{"keep-alive", "close", "Keep-Alive, TE", "X-Request-Id", "keep-alive,,X-Real-IP", " , ", "te\t", "upgrade"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		allowed := connectionOptionsAllowed([]string{v})
		for opt := range strings.SplitSeq(v, ",") {
			switch strings.ToLower(strings.TrimSpace(opt)) {
			case "", "close", "keep-alive", "te":
			default:
				if allowed {
					t.Fatalf("%q allowed with option %q", v, opt)
				}
				return
			}
		}
		if !allowed {
			t.Fatalf("%q refused", v)
		}
	})
}
