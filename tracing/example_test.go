package tracing_test

import (
	"fmt"

	"github.com/rampart-api/rampart/tracing"
)

func ExampleParseTraceparent() {
	for _, v := range []string{
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case: invalid
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id: invalid
	} {
		sc, ok := tracing.ParseTraceparent(v)
		fmt.Printf("%v %x sampled=%v\n", ok, sc.TraceID, sc.Sampled)
	}
	// Output:
	// true 4bf92f3577b34da6a3ce929d0e0e4736 sampled=true
	// false 00000000000000000000000000000000 sampled=false
	// false 00000000000000000000000000000000 sampled=false
}
