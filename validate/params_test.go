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
  /query:
    get:
      parameters:
        - {name: q, in: query, required: true, schema: {type: string, minLength: 1}}
        - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: sort, in: query, schema: {type: string, maxLength: 10}}
        - {name: X-Version, in: header, required: true, schema: {type: string, maxLength: 3}}
      responses: {"204": {description: none}}
  /opaque/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: integer}}
        - {name: e, in: query, schema: {type: string, enum: [a, b]}}
      responses: {"204": {description: none}}
  /cookie/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: integer}}
        - {name: session, in: cookie, schema: {type: string}}
      responses: {"204": {description: none}}
  /deep/{v}:
    get:
      parameters:
        - {name: v, in: path, required: true, schema: {type: integer}}
        - {name: f, in: query, required: true, style: deepObject, schema: {type: object, properties: {a: {type: string}}}}
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
	return plan.accepts(params, r), true
}

func TestParamPlans(t *testing.T) {
	for _, version := range []string{"3.0.3", "3.1.0"} {
		v := paramsValidator(t, version)
		for _, tt := range []struct {
			target  string
			planned bool
		}{
			{"/int/1", true}, {"/int32/1", true}, {"/excl/11", true}, {"/str/ab", true}, {"/any/x", true},
			{"/header/1", true}, {"/required-query/1", true}, {"/query", true}, {"/opaque/1", true},
			{"/pattern/a", false}, {"/enum/1", false}, {"/uuid/a", false}, {"/label/.1", false},
			{"/cookie/1", false}, {"/deep/1", false},
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

// paramCases are requests, attacker-shaped: each is held to the plan
// and to the library, which must agree wherever the plan accepts.
var paramCases = []struct{ target, version, tenant string }{
	{"/int/1", "", ""}, {"/int/1000", "", ""}, {"/int/0", "", ""}, {"/int/1001", "", ""}, {"/int/-1", "", ""}, {"/int/+5", "", ""},
	{"/int/007", "", ""}, {"/int/1.0", "", ""}, {"/int/1e3", "", ""}, {"/int/0x10", "", ""}, {"/int/1_000", "", ""}, {"/int/%201", "", ""},
	{"/int/1%00", "", ""}, {"/int/9007199254740993", "", ""}, {"/int/99999999999999999999", "", ""},
	{"/int/1?q=x", "", ""}, {"/int/1?q=%zz", "", ""}, {"/int/1?", "", ""}, {"/int/1?q=a;b", "", ""}, {"/int/1?q=a&q=b", "", ""}, {"/int/1?q=", "", ""},
	{"/int/٣", "", ""},
	{"/int32/2147483647", "", ""}, {"/int32/2147483648", "", ""}, {"/int32/-2147483648", "", ""}, {"/int32/-2147483649", "", ""},
	{"/excl/10", "", ""}, {"/excl/11", "", ""}, {"/excl/19", "", ""}, {"/excl/20", "", ""},
	{"/str/a", "", ""}, {"/str/ab", "", ""}, {"/str/abcd", "", ""}, {"/str/abcde", "", ""}, {"/str/%C3%A9%C3%A9", "", ""}, {"/str/%F0%9F%98%80", "", ""},
	{"/str/%F0%9F%98%80%F0%9F%98%80", "", ""}, {"/str/%F0%9F%98%80%F0%9F%98%80%F0%9F%98%80", "", ""}, {"/str/%FF%FE", "", ""}, {"/str/a%00", "", ""},
	{"/any/%FF", "", ""},
	{"/header/1", "", ""}, {"/header/1", "", "7"}, {"/header/1", "", "x"}, {"/header/1", "", ""}, {"/header/1", "", "1.5"},
	{"/required-query/1", "", ""}, {"/required-query/1?q=a", "", ""}, {"/required-query/1?q=", "", ""}, {"/required-query/1?r=a", "", ""},
	{"/query?q=a", "1", ""}, {"/query?q=a", "", ""}, {"/query?q=a", "1234", ""}, {"/query?q=a&page=1", "1", ""}, {"/query?q=a&page=0", "1", ""},
	{"/query?q=a&page=101", "1", ""}, {"/query?q=a&page=+5", "1", ""}, {"/query?q=a&page=%205", "1", ""}, {"/query?q=a&page=", "1", ""},
	{"/query?page=1", "1", ""}, {"/query?q=", "1", ""}, {"/query?q=a&q=b", "1", ""}, {"/query?q=a&sort=abcdefghij", "1", ""},
	{"/query?q=a&sort=abcdefghijk", "1", ""}, {"/query?q=a&other=x", "1", ""}, {"/query?q=a%26page%3D0", "1", ""}, {"/query?Q=a", "1", ""},
	{"/opaque/1", "", ""}, {"/opaque/1?e=a", "", ""}, {"/opaque/1?e=c", "", ""},
}

// paramRequest is the request of a case; the header values are set as a
// server reads them.
func paramRequest(target, version, tenant string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	if version != "" {
		r.Header["X-Version"] = []string{version}
	}
	if tenant != "" {
		r.Header["X-Tenant"] = []string{tenant}
	}
	return r
}

func TestParamPlanAgreesWithLibrary(t *testing.T) {
	for _, version := range []string{"3.0.3", "3.1.0"} {
		v := paramsValidator(t, version)
		accepted, refused := 0, 0
		for _, tt := range paramCases {
			r := paramRequest(tt.target, tt.version, tt.tenant)
			route, params, err := v.findRoute(r)
			if err != nil {
				t.Fatalf("%s %s: %v", version, tt.target, err)
			}
			plan := v.plans[route.Operation]
			if plan == nil {
				t.Fatalf("%s %s: no plan", version, tt.target)
			}
			if !plan.accepts(params, r) {
				refused++
				continue
			}
			accepted++
			if !libraryAccepts(t, v, paramRequest(tt.target, tt.version, tt.tenant)) {
				t.Errorf("%s %s (X-Version %q, X-Tenant %q): the plan accepts what the library refuses", version, tt.target, tt.version, tt.tenant)
			}
		}
		if accepted < 20 || refused < 20 {
			t.Errorf("%s: the plan accepted %d cases and refused %d", version, accepted, refused)
		}
	}
}

var fuzzedOps = []string{"int", "int32", "excl", "str", "any", "header", "required-query", "query", "opaque"}

func FuzzParamPlan(f *testing.F) {
	for _, tt := range paramCases {
		u, _ := url.Parse(tt.target)
		segs := strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 2)
		value := ""
		if len(segs) == 2 {
			value = segs[1]
		}
		f.Add(uint8(slices.Index(fuzzedOps, segs[0])), value, u.RawQuery, tt.version, tt.tenant)
	}
	vs := []*Validator{paramsValidator(f, "3.0.3"), paramsValidator(f, "3.1.0")}
	f.Fuzz(func(t *testing.T, op uint8, value, query, version, tenant string) {
		path := "/" + fuzzedOps[int(op)%len(fuzzedOps)]
		if path != "/query" {
			path += "/" + value
		}
		u := &url.URL{Path: path, RawQuery: query}
		request := func() *http.Request {
			r := &http.Request{Method: "GET", URL: u, Header: http.Header{}, Body: http.NoBody}
			if version != "" {
				r.Header["X-Version"] = []string{version}
			}
			if tenant != "" {
				r.Header["X-Tenant"] = []string{tenant}
			}
			return r
		}
		for _, v := range vs {
			r := request()
			route, params, err := v.findRoute(r)
			if err != nil || v.plans[route.Operation] == nil {
				continue
			}
			if v.plans[route.Operation].accepts(params, r) && !libraryAccepts(t, v, request()) {
				t.Fatalf("the plan accepts %q?%q (X-Version %q, X-Tenant %q), which the library refuses", u.Path, u.RawQuery, version, tenant)
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
