package authz_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/authz"
)

func BenchmarkAuthorize(b *testing.B) {
	a, err := authz.New(authz.Config{
		Roles:  []string{"admin", "user"},
		Scopes: []string{"notes:read"},
		Owner:  &authz.Owner{Param: "id", Claim: "sub", ExceptRoles: []string{"admin"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/alice", nil))
	info.Params = []rampart.Param{{Name: "id", Value: "alice"}}
	info.Principal = alice
	b.Run("allow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Authorize(r.Context(), alice, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	h := a.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := httptest.NewRecorder()
	b.Run("handler allow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})
	info.Params[0].Value = "bob"
	b.Run("deny not owner", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Authorize(r.Context(), alice, r); err == nil {
				b.Fatal("allowed")
			}
		}
	})
}

func BenchmarkRewrite(b *testing.B) {
	fwd, err := authz.NewForwarder(authz.ForwardConfig{})
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Accept": {"*/*"}, "User-Agent": {"bench"}, "X-Rampart-Subject": {"spoof"}}
	b.ReportAllocs()
	for b.Loop() {
		fwd.Rewrite(h, alice)
	}
}
