package validate

import (
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy/pathpattern"
)

// router finds a request's operation as kin-openapi's legacy router does,
// on the same pathpattern tree built the same way (one node per
// "METHOD path"), but hands the path parameters back as the values the
// match found, beside the names the node holds: a map is built only for
// the library, so a request a parameter plan accepts makes none. It is
// immutable once built and safe for concurrent use.
type router struct {
	root *pathpattern.Node
}

// newRouter builds the tree of doc's operations, each route carrying doc.
func newRouter(doc *openapi3.T) (*router, error) {
	root := &pathpattern.Node{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			route := &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
			if err := root.Add(method+" "+path, route, nil); err != nil {
				return nil, err
			}
		}
	}
	return &router{root: root}, nil
}

// match is a found route's path parameters: values[i] is the value of
// names[i] (without the "*" of a wildcard).
type match struct {
	names  []string
	values []string
}

// errNoRoute is the one error find returns: the library's router tells
// "no path" from "no method", but the inventory answers both alike.
var errNoRoute = &routers.RouteError{Reason: routers.ErrPathNotFound.Error()}

// find returns the route of method and path (the request's decoded,
// normalised path), or errNoRoute.
func (rt *router) find(method, path string) (*routers.Route, match, error) {
	node, values := rt.root.Match(method + " " + path)
	if node == nil {
		return nil, match{}, errNoRoute
	}
	route, _ := node.Value.(*routers.Route)
	if route == nil {
		return nil, match{}, errNoRoute
	}
	return route, match{names: node.VariableNames, values: values}, nil
}

// param returns the value of the path parameter name: the last one, as
// in the map, should a path name it twice.
func (m match) param(name string) (value string, ok bool) {
	for i, n := range m.names {
		if i < len(m.values) && strings.TrimSuffix(n, "*") == name {
			value, ok = m.values[i], true
		}
	}
	return value, ok
}

// params is the map kin-openapi's validation reads, built as its legacy
// router builds it.
func (m match) params() map[string]string {
	out := make(map[string]string, len(m.values))
	for i, value := range m.values {
		if i < len(m.names) {
			out[strings.TrimSuffix(m.names[i], "*")] = value
		}
	}
	return out
}

// findRoute finds the operation of r. HEAD is GET without a body (RFC
// 9110): a document that does not describe HEAD has it checked, and
// inventoried, as its GET.
func (v *Validator) findRoute(r *http.Request) (*routers.Route, match, error) {
	route, m, err := v.router.find(r.Method, r.URL.Path)
	if err != nil && r.Method == http.MethodHead {
		return v.router.find(http.MethodGet, r.URL.Path)
	}
	return route, m, err
}
