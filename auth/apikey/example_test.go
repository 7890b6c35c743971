package apikey_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/rampart-api/rampart/auth/apikey"
)

func ExampleHash() {
	// Store this, never the key itself.
	fmt.Println(apikey.Hash("rk_example-key-do-not-use"))
	// Output:
	// sha256:825f9ec3d2effe1298a5cb04192407410c7ebe52cb486c197f983049a237c8e3
}

func ExampleAuthenticator_Authenticate() {
	keys, err := apikey.New(apikey.Config{
		Keys: []apikey.Entry{{
			Hash:    apikey.Hash("rk_example-key-do-not-use"),
			Subject: "billing-service",
			Roles:   []string{"service"},
		}},
	})
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest("GET", "/invoices", nil)
	r.Header.Set("X-API-Key", "rk_example-key-do-not-use")
	p, err := keys.Authenticate(r)
	fmt.Println(p.Subject, p.Roles, err)

	r.Header.Set("X-API-Key", "rk_example-key-do-not-use ") // one byte more
	_, err = keys.Authenticate(r)
	fmt.Println(err)
	// Output:
	// billing-service [service] <nil>
	// rampart: invalid credentials: apikey: malformed key
}

func ExampleNewKey() {
	key, hash, err := apikey.NewKey()
	if err != nil {
		panic(err)
	}
	// Give key to the client once; keep only hash, in config or a keys file.
	keys, err := apikey.New(apikey.Config{Keys: []apikey.Entry{{Hash: hash, Subject: "billing-service"}}})
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest("GET", "/invoices", nil)
	r.Header.Set("X-API-Key", key)
	p, err := keys.Authenticate(r)
	fmt.Println(strings.HasPrefix(key, apikey.KeyPrefix), p.Subject, err)
	// Output:
	// true billing-service <nil>
}
