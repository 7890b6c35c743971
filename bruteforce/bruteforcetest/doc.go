// Package bruteforcetest holds the conformance suite for implementations
// of bruteforce.Store:
//
//	func TestStore(t *testing.T) {
//		bruteforcetest.Run(t, func(t *testing.T) bruteforce.Store { return &bruteforce.MemoryStore{} })
//	}
package bruteforcetest
