package introspect_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart/auth/introspect"
)

func ExampleAuthenticator_Authenticate() {
	// An identity provider's RFC 7662 endpoint.
	idp := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, secret, _ := r.BasicAuth(); id != "rampart" || secret != "from-a-secret-store" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.PostFormValue("token") != "opaque-abc" {
			fmt.Fprint(w, `{"active":false}`)
			return
		}
		fmt.Fprint(w, `{"active":true,"sub":"alice","scope":"notes:read","realm_access":{"roles":["user"]}}`)
	}))
	defer idp.Close()

	opaque, err := introspect.New(introspect.Config{
		Endpoint:     idp.URL,
		ClientID:     "rampart",
		ClientSecret: "from-a-secret-store",
		RolesClaim:   "realm_access.roles",
		HTTPClient:   idp.Client(),
	})
	if err != nil {
		panic(err)
	}
	for _, tok := range []string{"opaque-abc", "opaque-xyz"} {
		r := httptest.NewRequest("GET", "/notes", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		p, err := opaque.Authenticate(r)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p.Subject, p.Roles, p.Scopes)
	}
	// Output:
	// alice [user] [notes:read]
	// rampart: invalid credentials: introspect: token not active
}
