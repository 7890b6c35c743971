package claims_test

import (
	"encoding/json"
	"fmt"

	"github.com/rampart-api/rampart/auth/claims"
)

func Example() {
	var verified map[string]any
	_ = json.Unmarshal([]byte(`{
		"realm_access": {"roles": ["user", "admin"]},
		"https://example.com/tenant": "acme",
		"scope": "notes:read notes:write"
	}`), &verified)

	for _, path := range []string{"realm_access.roles", "https://example.com/tenant", "scope"} {
		p, err := claims.Parse(path)
		if err != nil {
			fmt.Println(err)
			return
		}
		v, _ := p.Lookup(verified)
		fmt.Printf("%s: %q\n", p, claims.Strings(v))
	}
	_, err := claims.Parse("realm_access..roles")
	fmt.Println(err)
	// Output:
	// realm_access.roles: ["user" "admin"]
	// https://example.com/tenant: ["acme"]
	// scope: ["notes:read" "notes:write"]
	// claims: invalid claim path "realm_access..roles": empty segment
}
