package bruteforcetest_test

import (
	"testing"

	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/bruteforce/bruteforcetest"
)

// A store's test file runs the suite from a Test function like this one.
func ExampleRun() {
	_ = func(t *testing.T) { // func TestStore(t *testing.T)
		bruteforcetest.Run(t, func(t *testing.T) bruteforce.Store { return &bruteforce.MemoryStore{} })
	}
}
