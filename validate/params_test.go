package validate

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// paramsDoc declares one operation per kind of path parameter the plan
// holds, and some it must leave to kin-openapi.
const paramsDoc = `openapi: %s
info: {title: params, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security:
  - bearer: []
paths:
  /int/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 1000}}
        - {name: q, in: query, schema: {type: string}}
      responses: {"204": {description: none}}
  /int32/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: integer, format: int32}}
      responses: {"204": {description: none}}
  /excl/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: %s}
      responses: {"204": {description: none}}
  /str/{v}:
    parameters:
      - {name: v, in: path, required: true, schema: {type: string, minLength: 2, maxLength: 4}}
    get:
      responses: {"204": {description: none}}
  /any/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: string, x-note: ids}}
      responses: {"204": {description: none}}
  /pattern/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: string, pattern: "^[a-z]+$"}}
      responses: {"204": {description: none}}
  /enum/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: integer, enum: [1, 2]}}
      responses: {"204": {description: none}}
  /uuid/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: string, format: uuid}}
      responses: {"204": {description: none}}
  /header/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: integer}}
        - {name: X-Tenant, in: header, schema: {type: integer}}
      responses: {"204": {description: none}}
  /required-query/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: integer}}
        - {name: q, in: query, required: true, schema: {type: string}}
      responses: {"204": {description: none}}
  /body/{v}:
    post:
      parameters:
        - {name: v, in: path, required: true, schema: {type: integer}}
      requestBody:
        content: {application/json: {schema: {type: object}}}
      responses: {"204": {description: none}}
  /label/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, style: label, schema: {type: integer}}
      responses: {"204": {description: none}}
`

func paramsValidator(t testing.TB, version string) *Validator {
	t.Helper()
	excl := `{type: integer, minimum: 10, exclusiveMinimum: true, maximum: 20, exclusiveMaximum: true}`
	if strings.HasPrefix(version, "3.1") {
		excl = `{type: integer, exclusiveMinimum: 10, exclusiveMaximum: 20}`
	}
	v, err := New(Config{Document: fmt.Appendf(nil, paramsDoc, version, excl)})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// libraryAccepts is what kin-openapi's request validation decides.
func libraryAccepts(t testing.TB, v *Validator, r *http.Request) bool {
	t.Helper()
	route, params, err := v.findRoute(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	return openapi3filter.ValidateRequest(context.Background(), v.input(r, route, params)) == nil
}

// planAccepts is what the operation's plan decides; false without one.
func planAccepts(t testing.TB, v *Validator, method, target string) (accepted, planned bool) {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	route, params, err := v.findRoute(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	plan := v.plans[route.Operation]
	if plan == nil {
		return false, false
	}
	return plan.accepts(params, r.URL.RawQuery), true
}

func TestParamPlans(t *testing.T) {
	for _, version := range []string{"3.0.3", "3.1.0"} {
		v := paramsValidator(t, version)
		for _, tt := range []struct {
			target  string
			planned bool
		}{
			{"/int/1", true}, {"/int32/1", true}, {"/excl/11", true}, {"/str/ab", true}, {"/any/x", true},
			{"/pattern/a", false}, {"/enum/1", false}, {"/uuid/a", false}, {"/header/1", false},
			{"/required-query/1", false}, {"/label/.1", false},
		} {
			if _, planned := planAccepts(t, v, "GET", tt.target); planned != tt.planned {
				t.Errorf("%s %s: planned = %v, want %v", version, tt.target, planned, tt.planned)
			}
		}
		if _, planned := planAccepts(t, v, "POST", "/body/1"); planned {
			t.Errorf("%s: an operation with a body has a plan", version)
		}
	}
}

// paramCases are path values and queries, attacker-shaped: each is held
// to the plan and to the library, which must agree wherever the plan
// accepts.
var paramCases = []string{
	"/int/1", "/int/1000", "/int/0", "/int/1001", "/int/-1", "/int/+5", "/int/007", "/int/1.0", "/int/1e3",
	"/int/0x10", "/int/1_000", "/int/%201", "/int/1%00", "/int/9007199254740993", "/int/99999999999999999999",
	"/int/1?q=x", "/int/1?q=%zz", "/int/1?", "/int/٣",
	"/int32/2147483647", "/int32/2147483648", "/int32/-2147483648", "/int32/-2147483649",
	"/excl/10", "/excl/11", "/excl/19", "/excl/20",
	"/str/a", "/str/ab", "/str/abcd", "/str/abcde", "/str/%C3%A9%C3%A9", "/str/%F0%9F%98%80", "/str/%F0%9F%98%80%F0%9F%98%80",
	"/str/%F0%9F%98%80%F0%9F%98%80%F0%9F%98%80", "/str/%FF%FE", "/str/a%00", "/any/%FF",
}

func TestParamPlanAgreesWithLibrary(t *testing.T) {
	for _, version := range []string{"3.0.3", "3.1.0"} {
		v := paramsValidator(t, version)
		accepted := 0
		for _, target := range paramCases {
			ok, planned := planAccepts(t, v, "GET", target)
			if !planned {
				t.Fatalf("%s %s: no plan", version, target)
			}
			if ok {
				accepted++
				if !libraryAccepts(t, v, httptest.NewRequest("GET", target, nil)) {
					t.Errorf("%s %s: the plan accepts what the library refuses", version, target)
				}
			}
		}
		if accepted < 10 {
			t.Errorf("%s: the plan accepted only %d cases", version, accepted)
		}
	}
}

var fuzzedOps = []string{"int", "int32", "excl", "str", "any"}

func FuzzParamPlan(f *testing.F) {
	for _, target := range paramCases {
		u, _ := url.Parse(target)
		segs := strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 2)
		f.Add(uint8(slices.Index(fuzzedOps, segs[0])), segs[1], u.RawQuery)
	}
	vs := []*Validator{paramsValidator(f, "3.0.3"), paramsValidator(f, "3.1.0")}
	f.Fuzz(func(t *testing.T, op uint8, value, query string) {
		u := &url.URL{Path: "/" + fuzzedOps[int(op)%len(fuzzedOps)] + "/" + value, RawQuery: query}
		for _, v := range vs {
			r := &http.Request{Method: "GET", URL: u, Header: http.Header{}, Body: http.NoBody}
			route, params, err := v.findRoute(r)
			if err != nil || v.plans[route.Operation] == nil {
				continue
			}
			if v.plans[route.Operation].accepts(params, r.URL.RawQuery) && !libraryAccepts(t, v, r) {
				t.Fatalf("the plan accepts %q?%q, which the library refuses", u.Path, u.RawQuery)
			}
		}
	})
}

func TestSecurityMet(t *testing.T) {
	bearer := &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{Type: "http", Scheme: "bearer"}}
	doc := &openapi3.T{Components: &openapi3.Components{SecuritySchemes: openapi3.SecuritySchemes{"bearer": bearer}}}
	for _, tt := range []struct {
		name string
		srs  openapi3.SecurityRequirements
		want bool
	}{
		{"none", openapi3.SecurityRequirements{}, true},
		{"declared scheme", openapi3.SecurityRequirements{{"bearer": {}}}, true},
		{"undeclared scheme", openapi3.SecurityRequirements{{"basic": {}}}, false},
		{"one of two declared", openapi3.SecurityRequirements{{"basic": {}}, {"bearer": {}}}, true},
		{"declared and undeclared together", openapi3.SecurityRequirements{{"basic": {}, "bearer": {}}}, false},
	} {
		srs := tt.srs
		if got := securityMet(doc, &openapi3.Operation{Security: &srs}); got != tt.want {
			t.Errorf("%s: securityMet = %v, want %v", tt.name, got, tt.want)
		}
	}
}
