package bruteforce_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/rampart-api/rampart/bruteforce"
)

// Validate checks the settings alone, before any store exists, and names
// each bad one as a configuration file writes it.
func ExampleConfig_Validate() {
	err := bruteforce.Config{Lockout: time.Hour, MaxLockout: time.Minute, FailureStatuses: []int{401, 302}}.Validate()
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *bruteforce.FieldError
		if errors.As(e, &fe) {
			fmt.Printf("%s: %s\n", fe.Field, fe.Reason)
		}
	}
	// Output:
	// max_lockout: 1m0s is shorter than lockout (1h0m0s)
	// failure_statuses[1]: 302 is not an error status
}
