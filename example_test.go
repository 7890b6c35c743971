package rampart_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/requestid"
	"github.com/rampart-api/rampart/secureheaders"
)

// Each Rampart package is a middleware on its own; Chain runs them in the
// order listed, and every later step reads what earlier ones learnt from
// the request's Info.
func ExampleChain() {
	ips, err := clientip.New([]string{"10.0.0.0/8"})
	if err != nil {
		panic(err)
	}
	headers, err := secureheaders.New(secureheaders.Config{Profile: secureheaders.ProfileAPI})
	if err != nil {
		panic(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := rampart.InfoFrom(r.Context())
		fmt.Println("client", info.ClientIP, "request id", info.RequestID)
	})
	h := rampart.Chain(app, requestid.Handler, ips.Handler, headers.Handler)

	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.7:41000" // the peer is a trusted proxy
	r.Header.Set("X-Forwarded-For", "198.51.100.1, 203.0.113.9")
	r.Header.Set("X-Request-Id", "req-42")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Header().Get("X-Content-Type-Options"))
	// Output:
	// client 203.0.113.9 request id req-42
	// nosniff
}

func ExamplePrincipal_HasScopes() {
	p := &rampart.Principal{Subject: "alice", Scopes: []string{"notes:read", "notes:write"}}
	fmt.Println(p.HasScopes("notes:read"), p.HasScopes("notes:read", "admin"))
	// Output:
	// true false
}

// An authenticator refuses credentials with the precise reason, which
// goes to logs and security events; the client sees only a 401.
func ExampleInvalidCredentials() {
	errRevoked := errors.New("apikey: key revoked")
	err := rampart.InvalidCredentials(errRevoked)
	var ce *rampart.CredentialsError
	fmt.Println(errors.Is(err, rampart.ErrInvalidCredentials), errors.Is(err, errRevoked))
	fmt.Println(errors.As(err, &ce), ce.Reason)
	// Output:
	// true true
	// true apikey: key revoked
}
