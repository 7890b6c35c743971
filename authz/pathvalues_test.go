package authz_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/authz"
)

// principal stands in for authentication: it attaches a verified principal.
func principal(subject string, roles ...string) rampart.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, info := rampart.WithInfo(r)
			info.Principal = &rampart.Principal{Subject: subject, Roles: roles}
			next.ServeHTTP(w, r)
		})
	}
}

func TestPathValuesOwner(t *testing.T) {
	owner, err := authz.New(authz.Config{Owner: &authz.Owner{Param: "id", ExceptRoles: []string{"admin"}}})
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := authz.New(authz.Config{Tenant: &authz.Tenant{Param: "org"}})
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	// spoof puts a param the client chose into Info before the mux value is copied.
	spoof := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, info := rampart.WithInfo(r)
			info.Params = append(info.Params, rampart.Param{Name: "id", Value: "alice"})
			next.ServeHTTP(w, r)
		})
	}
	for _, tt := range []struct {
		name, pattern, path string
		chain               http.Handler
		want                int
	}{
		{"own object", "GET /users/{id}", "/users/alice", rampart.Chain(ok, principal("alice"), authz.PathValues("id"), owner.Handler), 200},
		{"other user's object", "GET /users/{id}", "/users/bob", rampart.Chain(ok, principal("alice"), authz.PathValues("id"), owner.Handler), 403},
		{"case differs", "GET /users/{id}", "/users/ALICE", rampart.Chain(ok, principal("alice"), authz.PathValues("id"), owner.Handler), 403},
		{"encoded slash decodes into the value", "GET /users/{id}", "/users/alice%2Fbob", rampart.Chain(ok, principal("alice"), authz.PathValues("id"), owner.Handler), 403},
		{"admin may read any", "GET /users/{id}", "/users/bob", rampart.Chain(ok, principal("root", "admin"), authz.PathValues("id"), owner.Handler), 200},
		{"earlier param replaced by the routed one", "GET /users/{id}", "/users/bob", rampart.Chain(ok, principal("alice"), spoof, authz.PathValues("id"), owner.Handler), 403},
		{"pattern without the param fails closed", "GET /users/{uid}", "/users/alice", rampart.Chain(ok, principal("alice"), authz.PathValues("id"), owner.Handler), 500},
		{"adapter forgotten fails closed", "GET /users/{id}", "/users/alice", rampart.Chain(ok, principal("alice"), owner.Handler), 500},
		{"empty rest wildcard fails closed", "GET /users/{id...}", "/users/", rampart.Chain(ok, principal("alice"), authz.PathValues("id"), owner.Handler), 500},
		{"no principal", "GET /users/{id}", "/users/alice", rampart.Chain(ok, authz.PathValues("id"), owner.Handler), 401},
		{"tenant from path", "GET /orgs/{org}/bills", "/orgs/acme/bills", rampart.Chain(ok, tenantOf("acme"), authz.PathValues("org"), tenant.Handler), 200},
		{"other tenant", "GET /orgs/{org}/bills", "/orgs/evil/bills", rampart.Chain(ok, tenantOf("acme"), authz.PathValues("org"), tenant.Handler), 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.Handle(tt.pattern, tt.chain)
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest("GET", tt.path, nil))
			if w.Code != tt.want {
				t.Fatalf("%s %s: status %d, want %d", tt.pattern, tt.path, w.Code, tt.want)
			}
		})
	}
}

func tenantOf(t string) rampart.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, info := rampart.WithInfo(r)
			info.Principal = &rampart.Principal{Subject: "u", Tenant: t}
			next.ServeHTTP(w, r)
		})
	}
}

func TestPathValuesOutsideMux(t *testing.T) {
	owner, err := authz.New(authz.Config{Owner: &authz.Owner{Param: "id"}})
	if err != nil {
		t.Fatal(err)
	}
	var got error
	h := rampart.Chain(http.NotFoundHandler(), principal("alice"), authz.PathValues("id"),
		func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = owner.Authorize(r.Context(), rampart.PrincipalFrom(r.Context()), r)
			})
		})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/users/alice", nil))
	if !errors.Is(got, authz.ErrParamMissing) {
		t.Fatalf("without a mux match: %v, want ErrParamMissing", got)
	}
}
