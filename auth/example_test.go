package auth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth"
)

func ExampleChain_Handler() {
	// Any rampart.Authenticator works; this one accepts a single token.
	demo := auth.Func(func(r *http.Request) (*rampart.Principal, error) {
		tok, err := auth.BearerToken(r)
		if err != nil {
			return nil, err
		}
		if tok != "let-me-in" {
			return nil, fmt.Errorf("%w: unknown token", rampart.ErrInvalidCredentials)
		}
		return &rampart.Principal{Subject: "alice", Method: "demo"}, nil
	})
	mw, err := auth.New(auth.Config{Authenticators: []rampart.Authenticator{demo}, Realm: "notes"})
	if err != nil {
		panic(err)
	}
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello", rampart.PrincipalFrom(r.Context()).Subject)
	}))

	for _, header := range []string{"", "Bearer wrong", "Bearer let-me-in"} {
		r := httptest.NewRequest("GET", "/notes", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// 401 Bearer realm="notes"
	// 401 Bearer realm="notes", error="invalid_token"
	// 200
}
