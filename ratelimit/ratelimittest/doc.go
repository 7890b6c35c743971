// Package ratelimittest is the conformance suite every
// [ratelimit.Limiter] implementation passes:
//
//	func TestConformance(t *testing.T) {
//		ratelimittest.Run(t, func(t *testing.T, l ratelimit.Limit) ratelimit.Limiter {
//			lim, err := memory.New(memory.Config{Limit: l})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return lim
//		})
//	}
package ratelimittest
