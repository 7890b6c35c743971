package jwt_test

import (
	"errors"
	"fmt"

	"github.com/rampart-api/rampart/auth/jwt"
)

// Validate names each refused field as a configuration file writes it,
// list indexes included, without reading a key or contacting an issuer.
func ExampleConfig_Validate() {
	err := jwt.Config{Issuers: []jwt.IssuerConfig{{
		Issuer:     "https://login.example.com/",
		Algorithms: []string{"RS256", "none"},
		JWKSURL:    "http://login.example.com/jwks.json",
	}}}.Validate()
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *jwt.ConfigError
		if errors.As(e, &ce) {
			fmt.Printf("%s: %s\n", ce.Field, ce.Reason)
		}
	}
	// Output:
	// issuers[0].algorithms[1]: none is never allowed
	// issuers[0].audience: required: tokens minted for other services of https://login.example.com/ would be accepted (or set dangerously_accept_any_audience: true)
	// issuers[0].jwks_url: must be https (http is accepted only for loopback addresses)
}
