package ratelimittest_test

import (
	"testing"

	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/ratelimit/memory"
	"github.com/rampart-api/rampart/ratelimit/ratelimittest"
)

// A store's test file runs the suite from a Test function like this one.
func ExampleRun() {
	_ = func(t *testing.T) { // func TestConformance(t *testing.T)
		ratelimittest.Run(t, func(t *testing.T, l ratelimit.Limit) ratelimit.Limiter {
			lim, err := memory.New(memory.Config{Limit: l})
			if err != nil {
				t.Fatal(err)
			}
			return lim
		})
	}
}
