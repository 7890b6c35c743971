package validate_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/validate"
)

// engineDoc has operations the 3.0 schema walker validates (shared
// keywords only) and operations that keep the JSON Schema 2020-12
// validator (const, nullable, prefixItems).
const engineDoc = `openapi: %s
info: {title: engines, version: "1"}
paths:
  /shared:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [n, tag]
              additionalProperties: false
              properties:
                n: {type: number, exclusiveMinimum: 0}
                tag: {type: [string, "null"], maxLength: 5}
                email: {type: string, format: email}
      responses:
        "204": {description: ok}
  /const:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [kind]
              properties:
                kind: {const: order}
      responses:
        "204": {description: ok}
  /nullable:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [v]
              properties:
                v: {type: string, nullable: true}
      responses:
        "204": {description: ok}
  /tuple:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: array
              prefixItems: [{type: integer}, {type: string}]
      responses:
        "204": {description: ok}
`

// plainDoc is valid as 3.0 and as 3.1 and means the same in both.
const plainDoc = `openapi: %s
info: {title: plain, version: "1"}
paths:
  /shared:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [n, tag]
              additionalProperties: false
              properties:
                n: {type: number, minimum: 1}
                tag: {type: string, maxLength: 5}
                email: {type: string, format: email}
      responses:
        "204": {description: ok}
`

func engineValidator(t testing.TB, doc, version string) http.Handler {
	t.Helper()
	v, err := validate.New(validate.Config{Document: []byte(strings.Replace(doc, "%s", version, 1)), Responses: validate.Off})
	if err != nil {
		t.Fatal(err)
	}
	return v.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
}

func post(h http.Handler, path, body string) int {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// TestSchemaEngines checks that a 3.1 document means the same whichever
// engine validates an operation: 3.1 semantics for shared keywords (type
// lists with null, numeric exclusiveMinimum), and the 2020-12 validator
// for const, prefixItems and a nullable that 3.1 ignores.
func TestSchemaEngines(t *testing.T) {
	h := engineValidator(t, engineDoc, "3.1.0")
	cases := []struct {
		name, path, body string
		want             int
	}{
		{"shared: valid", "/shared", `{"n":1,"tag":"ab","email":"a@example.com"}`, 204},
		{"shared: null in type list", "/shared", `{"n":1,"tag":null}`, 204},
		{"shared: exclusive bound hit", "/shared", `{"n":0,"tag":"ab"}`, 400},
		{"shared: negative", "/shared", `{"n":-5,"tag":"ab"}`, 400},
		{"shared: too long", "/shared", `{"n":1,"tag":"abcdef"}`, 400},
		{"shared: wrong type", "/shared", `{"n":"1","tag":"ab"}`, 400},
		{"shared: missing required", "/shared", `{"tag":"ab"}`, 400},
		{"shared: extra property", "/shared", `{"n":1,"tag":"ab","admin":true}`, 400},
		{"shared: bad email", "/shared", `{"n":1,"tag":"ab","email":"not an email"}`, 400},
		{"shared: object for null-able", "/shared", `{"n":1,"tag":{"$ne":null}}`, 400},
		{"const: valid", "/const", `{"kind":"order"}`, 204},
		{"const: other value", "/const", `{"kind":"admin"}`, 400},
		{"nullable ignored in 3.1: string", "/nullable", `{"v":"x"}`, 204},
		{"nullable ignored in 3.1: null refused", "/nullable", `{"v":null}`, 400},
		{"prefixItems: valid", "/tuple", `[1,"a"]`, 204},
		{"prefixItems: swapped", "/tuple", `["a",1]`, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := post(h, c.path, c.body); got != c.want {
				t.Errorf("POST %s %s: status %d, want %d", c.path, c.body, got, c.want)
			}
		})
	}
}

// TestSchemaEngineCompilesNothingPerRequest checks that a 3.1 operation
// using shared keywords costs what the same operation costs under 3.0: the
// 2020-12 path converts and compiles the schema on every request, which
// takes more than ten times the allocations.
func TestSchemaEngineCompilesNothingPerRequest(t *testing.T) {
	body := []byte(`{"n":1,"tag":"ab","email":"a@example.com"}`)
	allocs := func(version string) float64 {
		h := engineValidator(t, plainDoc, version)
		return testing.AllocsPerRun(50, func() {
			r := httptest.NewRequest(http.MethodPost, "/shared", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusNoContent {
				t.Fatalf("%s: status %d", version, w.Code)
			}
		})
	}
	a30, a31 := allocs("3.0.3"), allocs("3.1.0")
	if a31 > a30*1.2+5 {
		t.Errorf("3.1 request: %.0f allocations, 3.0: %.0f; the 3.1 schema is rebuilt per request", a31, a30)
	}
	// The operations that keep the 2020-12 validator are the control: they
	// do compile per request, which this measure must see.
	h := engineValidator(t, engineDoc, "3.1.0")
	c := testing.AllocsPerRun(20, func() { post(h, "/const", `{"kind":"order"}`) })
	if c < a30*2 {
		t.Errorf("2020-12 path: %.0f allocations, not visibly more than 3.0's %.0f; the measure cannot tell the engines apart", c, a30)
	}
}
