package route_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/route"
)

var specs = []route.Spec{
	{Pattern: "/api/items/{id}", Methods: []string{"GET", "PUT"}}, // 0
	{Pattern: "/api/items/new", Methods: []string{"GET"}},         // 1
	{Pattern: "/api/items/{id}", Methods: []string{"DELETE"}},     // 2
	{Pattern: "/admin/*", Methods: []string{"*"}},                 // 3
	{Pattern: "/api/users/{uid}/notes/{nid}"},                     // 4
	{Pattern: "/static/*"},                                        // 5
	{Pattern: "/"},                                                // 6
	{Pattern: "/api/{section}/list"},                              // 7
	{Pattern: "/api/trailing/", Methods: []string{"POST"}},        // 8
	{Pattern: "/Upper/Case"},                                      // 9
}

func TestMatch(t *testing.T) {
	tbl, err := route.NewTable(specs, route.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		want         int
		params       string
		err          error
		allow        string
	}{
		{"GET", "/api/items/7", 0, "id=7", nil, ""},
		{"HEAD", "/api/items/7", 0, "id=7", nil, ""},
		{"PUT", "/api/items/7", 0, "id=7", nil, ""},
		{"DELETE", "/api/items/7", 2, "id=7", nil, ""},
		{"GET", "/api/items/new", 1, "", nil, ""},
		// the literal route owns the path; its methods decide
		{"PUT", "/api/items/new", -1, "", nil, "GET, HEAD"},
		{"POST", "/api/items/7", -1, "", nil, "DELETE, GET, HEAD, PUT"},
		{"GET", "/api/items", -1, "", route.ErrNotFound, ""},
		{"GET", "/api/items/", -1, "", route.ErrNotFound, ""},
		{"GET", "/api/items/7/x", -1, "", route.ErrNotFound, ""},
		{"PATCH", "/admin", 3, "*=", nil, ""},
		{"GET", "/admin/", 3, "*=", nil, ""},
		{"GET", "/admin/users/1", 3, "*=users/1", nil, ""},
		{"GET", "/administrator", -1, "", route.ErrNotFound, ""},
		{"GET", "/api/users/u1/notes/n2", 4, "uid=u1,nid=n2", nil, ""},
		{"GET", "/api/users//notes/n2", -1, "", route.ErrNotFound, ""},
		{"GET", "/", 6, "", nil, ""},
		{"GET", "/api/things/list", 7, "section=things", nil, ""},
		{"GET", "/api/items/list", 0, "id=list", nil, ""},
		{"POST", "/api/trailing/", 8, "", nil, ""},
		{"POST", "/api/trailing", -1, "", route.ErrNotFound, ""},
		{"GET", "/ADMIN/users", -1, "", route.ErrNotFound, ""},
		{"GET", "/Upper/Case", 9, "", nil, ""},
		{"GET", "/upper/case", -1, "", route.ErrNotFound, ""},
		// /api/ITEMS/list matches section=ITEMS, but an upstream that
		// ignores case would route it as /api/items/{id} with id=list.
		{"GET", "/api/ITEMS/list", -1, "", route.ErrAmbiguousCase, ""},
		{"GET", "/api/OTHER/list", 7, "section=OTHER", nil, ""},
		{"GET", "/API/items/list", -1, "", route.ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			idx, params, err := tbl.Match(tt.method, tt.path, nil)
			var mna *route.MethodNotAllowedError
			switch {
			case tt.allow != "":
				if !errors.As(err, &mna) || mna.Allow != tt.allow {
					t.Fatalf("err = %v, want 405 with Allow %q", err, tt.allow)
				}
				return
			case !errors.Is(err, tt.err):
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if idx != tt.want {
				t.Fatalf("index = %d, want %d", idx, tt.want)
			}
			if got := joinParams(params); got != tt.params {
				t.Fatalf("params = %q, want %q", got, tt.params)
			}
		})
	}
}

func TestCaseInsensitive(t *testing.T) {
	tbl, err := route.NewTable(specs, route.Options{CaseInsensitive: true})
	if err != nil {
		t.Fatal(err)
	}
	idx, params, err := tbl.Match("GET", "/API/Items/AbC", nil)
	if err != nil || idx != 0 || joinParams(params) != "id=AbC" {
		t.Fatalf("got %d %v %v", idx, params, err)
	}
	if idx, _, err := tbl.Match("GET", "/upper/CASE", nil); err != nil || idx != 9 {
		t.Fatalf("got %d %v", idx, err)
	}
}

// A literal with capitals must not let its lower-case spelling reach a
// looser parameter route: an upstream that ignores case would serve the
// literal's handler under the parameter route's policy.
func TestCapitalLiteralAmbiguity(t *testing.T) {
	tbl, err := route.NewTable([]route.Spec{
		{Pattern: "/Admin/users"},      // 0: strict
		{Pattern: "/{section}/users"},  // 1: public
		{Pattern: "/café/menu"},        // 2: non-ASCII literal
		{Pattern: "/{shop}/menu"},      // 3
		{Pattern: "/plain/{id}/items"}, // 4
	}, route.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want int
		err  error
	}{
		{"/Admin/users", 0, nil},
		{"/admin/users", -1, route.ErrAmbiguousCase},
		{"/ADMIN/users", -1, route.ErrAmbiguousCase},
		{"/aDmIn/users", -1, route.ErrAmbiguousCase},
		{"/reports/users", 1, nil},
		{"/café/menu", 2, nil},
		{"/CAFÉ/menu", -1, route.ErrAmbiguousCase},
		{"/Café/menu", -1, route.ErrAmbiguousCase},
		{"/bistro/menu", 3, nil},
		{"/plain/7/items", 4, nil},
		{"/PLAIN/7/items", -1, route.ErrNotFound},
	}
	for _, tt := range tests {
		idx, _, err := tbl.Match("GET", tt.path, nil)
		if idx != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("%s: got %d %v, want %d %v", tt.path, idx, err, tt.want, tt.err)
		}
	}
}

func TestCaseOnlyDuplicate(t *testing.T) {
	for _, opts := range []route.Options{{}, {CaseInsensitive: true}} {
		_, err := route.NewTable([]route.Spec{
			{Pattern: "/Admin/{id}"},
			{Pattern: "/admin/{other}"},
		}, opts)
		if !errors.Is(err, route.ErrDuplicate) {
			t.Errorf("%+v: err = %v, want duplicate", opts, err)
		}
	}
	if _, err := route.NewTable([]route.Spec{{Pattern: "/Admin/{id}"}, {Pattern: "/Admin/{id}/x"}}, route.Options{}); err != nil {
		t.Fatalf("distinct routes refused: %v", err)
	}
}

func TestNewTableReportsAll(t *testing.T) {
	_, err := route.NewTable([]route.Spec{
		{Pattern: "/a/{id}", Methods: []string{"GET"}},
		{Pattern: "/a/{other}", Methods: []string{"GET", "POST"}},
		{Pattern: "no-slash"},
		{Pattern: "/a/*/b"},
		{Pattern: "/a/{x}/{x}"},
		{Pattern: "/a/../b"},
		{Pattern: "/any", Methods: []string{"*"}},
		{Pattern: "/any", Methods: []string{"DELETE"}},
	}, route.Options{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"GET,POST,HEAD /a/{other} overlaps /a/{id}", `"no-slash"`, `"/a/*/b"`, `"/a/{x}/{x}"`, `"/a/../b"`, "DELETE /any overlaps"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if !errors.Is(err, route.ErrDuplicate) || !errors.Is(err, route.ErrBadPattern) {
		t.Fatal("errors not wrapped")
	}
}

func joinParams(ps []rampart.Param) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.Name+"="+p.Value)
	}
	return strings.Join(parts, ",")
}

func FuzzMatch(f *testing.F) {
	tbl, err := route.NewTable(specs, route.Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"/api/items/7", "/admin/x/y", "/API/items/list", "/", "//", "/api/users/a/notes/b"} {
		f.Add("GET", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		idx, params, err := tbl.Match(method, path, nil)
		if err != nil {
			if idx != -1 || len(params) != 0 {
				t.Fatalf("error with result %d %v", idx, params)
			}
			return
		}
		if idx < 0 || idx >= len(specs) {
			t.Fatalf("index %d", idx)
		}
		for _, p := range params {
			if p.Name != "*" && (p.Value == "" || strings.Contains(p.Value, "/")) {
				t.Fatalf("param %v spans segments in %q", p, path)
			}
		}
	})
}

func ExampleTable_Match() {
	tbl, err := route.NewTable([]route.Spec{{Pattern: "/api/notes/{id}", Methods: []string{"GET"}}}, route.Options{})
	if err != nil {
		panic(err)
	}
	decoded, _, err := route.Normalize("/api//notes/./%37")
	if err != nil {
		panic(err)
	}
	idx, params, err := tbl.Match("GET", decoded, nil)
	fmt.Println(decoded, idx, params, err)
	_, _, err = tbl.Match("DELETE", decoded, nil)
	fmt.Println(err, err.(*route.MethodNotAllowedError).Allow)
	// Output:
	// /api/notes/7 0 [{id 7}] <nil>
	// route: method not allowed GET, HEAD
}
