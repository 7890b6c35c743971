package tracing_test

import (
	"strings"
	"testing"

	"github.com/rampart-api/rampart/tracing"
)

var traceparentCases = []struct {
	name  string
	value string
	ok    bool
}{
	{"spec example", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true},
	{"not sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true},
	{"later version with more fields", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true},
	{"later version, exact length", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true},
	{"version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
	{"version 00 with more fields", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false},
	{"later version glued field", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", false},
	{"upper-case hex", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},
	{"zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
	{"zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},
	{"short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false},
	{"not hex", "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01", false},
	{"underscores", "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", false},
	{"empty", "", false},
	{"spaces around", " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ", false},
	{"injection attempt", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX-Admin: 1", false},
	{"flags not hex", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", false},
}

func TestParseTraceparent(t *testing.T) {
	for _, tt := range traceparentCases {
		t.Run(tt.name, func(t *testing.T) {
			sc, ok := tracing.ParseTraceparent(tt.value)
			if ok != tt.ok {
				t.Fatalf("ParseTraceparent(%q) ok = %v, want %v", tt.value, ok, tt.ok)
			}
			if ok && strings.HasPrefix(tt.value, "00-") && sc.Traceparent() != tt.value {
				t.Fatalf("round trip: %q became %q", tt.value, sc.Traceparent())
			}
		})
	}
}

// FuzzParseTraceparent: whatever is accepted formats back to a valid
// version 00 traceparent with the same ids, and nothing panics.
func FuzzParseTraceparent(f *testing.F) {
	for _, tt := range traceparentCases {
		f.Add(tt.value)
	}
	f.Fuzz(func(t *testing.T, v string) {
		sc, ok := tracing.ParseTraceparent(v)
		if !ok {
			return
		}
		out := sc.Traceparent()
		again, ok := tracing.ParseTraceparent(out)
		if !ok || again != sc || len(out) != 55 {
			t.Fatalf("%q parsed to %+v, formatted as %q, which parses to %+v, %v", v, sc, out, again, ok)
		}
	})
}
