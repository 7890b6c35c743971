package introspect_test

import (
	"errors"
	"fmt"

	"github.com/rampart-api/rampart/auth/introspect"
)

// New refuses a configuration field by field; each refusal says which
// field, as a configuration file writes it, and what kind of problem.
func ExampleConfigError() {
	_, err := introspect.New(introspect.Config{Endpoint: "http://idp.example/introspect", ClientID: "gateway"})
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *introspect.ConfigError
		if errors.As(e, &ce) {
			fmt.Printf("%s: %s (endpoint problem: %t)\n", ce.Field, ce.Reason, errors.Is(e, introspect.ErrBadEndpoint))
		}
	}
	// Output:
	// endpoint: must be https (insecure_allow_http sends tokens and the client secret in clear; only for a loopback test server) (endpoint problem: true)
	// client_secret: required (endpoint problem: false)
}
