package route_test

import (
	"errors"
	"fmt"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/route"
)

func ExampleNewTable() {
	t, err := route.NewTable([]route.Spec{
		{Pattern: "/api/notes/{id}", Methods: []string{"GET", "DELETE"}},
		{Pattern: "/static/*"},
	}, route.Options{})
	if err != nil {
		panic(err)
	}
	var buf [4]rampart.Param // reused, so that matching does not allocate
	for _, req := range [][2]string{
		{"GET", "/api/notes/7"},
		{"GET", "/static/css/site.css"},
		{"POST", "/api/notes/7"},
		{"GET", "/api/users"},
	} {
		i, params, err := t.Match(req[0], req[1], buf[:0])
		var mna *route.MethodNotAllowedError
		switch {
		case errors.As(err, &mna):
			fmt.Println(req[0], req[1], "405 Allow:", mna.Allow)
		case err != nil:
			fmt.Println(req[0], req[1], err)
		default:
			fmt.Println(req[0], req[1], "route", i, params)
		}
	}
	// Output:
	// GET /api/notes/7 route 0 [{id 7}]
	// GET /static/css/site.css route 1 [{* css/site.css}]
	// POST /api/notes/7 405 Allow: DELETE, GET, HEAD
	// GET /api/users route: no route
}

// Paths are normalised once, before matching; the canonical form is the
// one forwarded upstream.
func ExampleNormalize() {
	for _, p := range []string{"/api//notes/./7", "/api/notes/%2e%2e/admin", "/api/notes/a%2Fb", "/../etc/passwd"} {
		decoded, canonical, err := route.Normalize(p)
		fmt.Printf("%s -> %q %q %v\n", p, decoded, canonical, err)
	}
	// Output:
	// /api//notes/./7 -> "/api/notes/7" "/api/notes/7" <nil>
	// /api/notes/%2e%2e/admin -> "/api/admin" "/api/admin" <nil>
	// /api/notes/a%2Fb -> "" "" route: encoded path separator
	// /../etc/passwd -> "" "" route: path climbs above the root
}
