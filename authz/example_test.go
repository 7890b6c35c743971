package authz_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/authz"
	"github.com/rampart-api/rampart/problem"
)

func ExampleAuthorizer_Handler() {
	notes, err := authz.New(authz.Config{
		Roles: []string{"user", "admin"},
		Owner: &authz.Owner{Param: "id", ExceptRoles: []string{"admin"}},
	})
	if err != nil {
		panic(err)
	}
	h := notes.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))

	for _, c := range []struct {
		who  *rampart.Principal
		note string
	}{
		{&rampart.Principal{Subject: "alice", Roles: []string{"user"}}, "alice"},
		{&rampart.Principal{Subject: "alice", Roles: []string{"user"}}, "bob"},
		{&rampart.Principal{Subject: "root", Roles: []string{"admin"}}, "bob"},
		{nil, "bob"},
	} {
		// The gateway's route matcher and authentication fill Info.
		r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/"+c.note, nil))
		info.Params = []rampart.Param{{Name: "id", Value: c.note}}
		info.Principal = c.who
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(c.note, w.Code)
	}
	// Output:
	// alice 200
	// bob 403
	// bob 200
	// bob 401
}

func ExampleForwarder_Rewrite() {
	fwd, err := authz.NewForwarder(authz.ForwardConfig{})
	if err != nil {
		panic(err)
	}
	out := http.Header{}
	out.Set("X-Rampart-Roles", "admin") // sent by the client
	fwd.Rewrite(out, &rampart.Principal{Subject: "alice", Roles: []string{"user", "editor"}})
	fmt.Println(out.Get("X-Rampart-Subject"), out.Get("X-Rampart-Roles"))
	// Output:
	// alice user,editor
}

// Wrong use: an Authorizer without authentication in front of it never
// lets anyone through — there is no principal to authorize.
func ExampleAuthorizer_Handler_withoutAuthentication() {
	admins, _ := authz.New(authz.Config{Roles: []string{"admin"}})
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/admin", nil)
	r.Header.Set("X-Rampart-Roles", "admin") // headers are not a principal
	admins.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
	// Output:
	// 401 Bearer realm="rampart"
}

// Owner rules read path parameters from a Go 1.22 ServeMux pattern once
// [authz.PathValues] copies them into the request's Info.
func ExamplePathValues() {
	owner, err := authz.New(authz.Config{Owner: &authz.Owner{Param: "id", ExceptRoles: []string{"admin"}}})
	if err != nil {
		panic(err)
	}
	// authn stands in for auth.Chain.Handler: it attaches a verified principal.
	authn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, info := rampart.WithInfo(r)
			info.Principal = &rampart.Principal{Subject: r.Header.Get("X-Test-User")}
			next.ServeHTTP(w, r)
		})
	}
	user := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "user", r.PathValue("id"))
	})

	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", rampart.Chain(user, authn, authz.PathValues("id"), owner.Handler))

	for _, path := range []string{"/users/alice", "/users/bob"} {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("X-Test-User", "alice")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(path, w.Code)
	}
	// Output:
	// /users/alice 200
	// /users/bob 403
}

// Every refusing middleware takes an ErrorHandler, as
// httputil.ReverseProxy does; it receives a *problem.Error and may wrap
// problem.Write, which it replaces.
func ExampleConfig_errorHandler() {
	admins, err := authz.New(authz.Config{
		Roles: []string{"admin"},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			var p *problem.Error
			if errors.As(err, &p) {
				fmt.Println("refused:", p.Status, p.Reason)
			}
			problem.Write(w, r, err)
		},
	})
	if err != nil {
		panic(err)
	}
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/admin", nil))
	info.Principal = &rampart.Principal{Subject: "alice", Roles: []string{"user"}}
	w := httptest.NewRecorder()
	admins.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	// Output:
	// refused: 403 role missing
	// 403 application/problem+json
}
