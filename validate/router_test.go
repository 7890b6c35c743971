package validate

import (
	"maps"
	"net/http"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// routerDocs are the documents the router is held to kin-openapi's
// legacy router on.
var routerDocs = []string{"testdata/demo-openapi.yaml", "testdata/demo-openapi-3.1.yaml", "testdata/rules.yaml", "testdata/hardening.yaml", "testdata/bench-3.0.yaml"}

var routerCases = []struct{ method, path string }{
	{"GET", "/api/users/1"}, {"GET", "/api/users/1/"}, {"GET", "/api/users//1"}, {"GET", "/api/users/"}, {"GET", "/api/users"},
	{"POST", "/api/users/1"}, {"HEAD", "/api/users/1"}, {"get", "/api/users/1"}, {"GET", "/api/notes/7"}, {"DELETE", "/api/notes/7"},
	{"GET", "/api/orders/9"}, {"GET", "/api/orders/9/x"}, {"GET", "/users/alice"}, {"PATCH", "/users/alice"}, {"GET", "/export"},
	{"PUT", "/orders/42"}, {"GET", ""}, {"GET", "/"}, {"GET", "//"}, {"GET", "/api/users/a b"}, {"GET", "/API/users/1"},
	{"POST", "/api/login"}, {"POST", "/api/login/"}, {"GET", "/api/health"}, {"GET", "/api/health/x"},
}

// legacyRouter is the library's router on the document v routes, as New
// built it before.
func legacyRouter(t testing.TB, file string) (routers.Router, *Validator) {
	t.Helper()
	v := loadValidator(t, file)
	rdoc := *v.doc
	rdoc.Servers = nil
	lr, err := legacy.NewRouter(&rdoc)
	if err != nil {
		t.Fatal(err)
	}
	return lr, v
}

// sameRoute reports a difference between the two routers' answers, and
// whether they found a route.
func sameRoute(t testing.TB, lr routers.Router, v *Validator, method, path string) bool {
	t.Helper()
	r := &http.Request{Method: method, URL: &url.URL{Path: path}, Header: http.Header{}}
	want, wantParams, wantErr := lr.FindRoute(r)
	if wantErr != nil && method == http.MethodHead {
		get := *r
		get.Method = http.MethodGet
		want, wantParams, wantErr = lr.FindRoute(&get)
	}
	got, m, err := v.findRoute(r)
	switch {
	case (err == nil) != (wantErr == nil):
		t.Fatalf("%s %q: error %v, library's %v", method, path, err, wantErr)
	case err != nil:
		return false
	case got.Operation != want.Operation || got.Path != want.Path || got.Method != want.Method:
		t.Fatalf("%s %q: route %s %s, library's %s %s", method, path, got.Method, got.Path, want.Method, want.Path)
	case !maps.Equal(m.params(), wantParams):
		t.Fatalf("%s %q: params %v, library's %v", method, path, m.params(), wantParams)
	}
	for name, value := range wantParams {
		if got, ok := m.param(name); !ok || got != value {
			t.Fatalf("%s %q: param %s = %q, library's %q", method, path, name, got, value)
		}
	}
	return true
}

func TestRouterAgreesWithLibrary(t *testing.T) {
	for _, file := range routerDocs {
		lr, v := legacyRouter(t, file)
		found := 0
		for _, tt := range routerCases {
			if sameRoute(t, lr, v, tt.method, tt.path) {
				found++
			}
		}
		if found == 0 {
			t.Errorf("%s: no case found a route", file)
		}
	}
}

func FuzzRouter(f *testing.F) {
	for _, tt := range routerCases {
		f.Add(tt.method, tt.path)
	}
	type pair struct {
		lr routers.Router
		v  *Validator
	}
	var pairs []pair
	for _, file := range routerDocs {
		lr, v := legacyRouter(f, file)
		pairs = append(pairs, pair{lr, v})
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		for _, p := range pairs {
			sameRoute(t, p.lr, p.v, method, path)
		}
	})
}
