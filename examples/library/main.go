// Command library puts Rampart's middleware in front of a plain net/http
// service, without the gateway. The README's Library section shows this
// file verbatim.
package main

import (
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/authz"
	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/requestid"
	"github.com/rampart-api/rampart/secureheaders"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	events := audit.NewLogger(slog.NewJSONHandler(os.Stderr, nil))
	ips, err := clientip.New([]string{"10.0.0.0/8"})
	if err != nil {
		return err
	}
	headers, err := secureheaders.New(secureheaders.Config{Profile: secureheaders.ProfileAPI})
	if err != nil {
		return err
	}
	verifier, err := jwt.New(jwt.Config{Issuers: []jwt.IssuerConfig{{
		Issuer:     "https://id.example.com/",
		Audience:   []string{"notes"},
		Algorithms: []string{"ES256"},
		JWKSURL:    "https://id.example.com/.well-known/jwks.json",
	}}})
	if err != nil {
		return err
	}
	defer verifier.Close()
	authn, err := auth.New(auth.Config{Authenticators: []rampart.Authenticator{verifier}, Events: events})
	if err != nil {
		return err
	}
	owner, err := authz.New(authz.Config{
		Owner:  &authz.Owner{Param: "uid", ExceptRoles: []string{"admin"}},
		Events: events,
	})
	if err != nil {
		return err
	}

	notes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "notes of %s\n", r.PathValue("uid"))
	})
	mux := http.NewServeMux()
	// authz.PathValues hands the pattern's {uid} to the owner rule.
	mux.Handle("GET /users/{uid}/notes", rampart.Chain(notes, authn.Handler, authz.PathValues("uid"), owner.Handler))

	handler := rampart.Chain(mux, requestid.Handler, ips.Handler, headers.Handler)
	return http.ListenAndServe("127.0.0.1:8080", handler)
}
