package validate

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/jsonlimits"
)

// compositionDoc is a document whose GET /x answers with schema and whose
// POST /x takes it as JSON and as a form.
func compositionDoc(version, schema string) []byte {
	return []byte("openapi: " + version + `
info: {title: t, version: "1"}
paths:
  /x:
    get:
      responses:
        "200":
          description: x
          content:
            application/json:
              schema:
` + indented(schema, "                ") + `
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
` + indented(schema, "              ") + `
          application/x-www-form-urlencoded:
            schema:
` + indented(schema, "              ") + `
      responses:
        "204": {description: ok}
components:
  schemas:
    User:
      type: object
      properties:
        id: {type: integer}
        name: {type: string}
`)
}

func indented(s, prefix string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n")
}

func compositionValidator(t *testing.T, version, schema string, cfg Config) *Validator {
	t.Helper()
	cfg.Document = compositionDoc(version, schema)
	v, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// TestCompositionResponses holds filtered responses to schemas where more
// than one schema speaks for a name or a value: boolean schemas, branches
// that admit what a parent or sibling forbids, two declarations of one
// property, and scalars where only objects stand. Each body carries a
// field the document does not let out.
func TestCompositionResponses(t *testing.T) {
	tests := []struct {
		name, version, schema, body string
		wantStatus                  int
		wantBody                    string
	}{
		{"a false pattern schema", "3.1.0", `
type: object
properties: {id: {type: integer}}
patternProperties: {"^internal_": false}
additionalProperties: false`, `{"id":1,"internal_secret":{"password_hash":"h"}}`, 200, `{"id":1}`},
		{"a false property schema", "3.1.0", `
type: object
properties: {id: {type: integer}, password_hash: false}`, `{"id":1,"password_hash":"h"}`, 200, `{"id":1}`},
		{"items false past a tuple", "3.1.0", `
type: array
prefixItems: [{$ref: '#/components/schemas/User'}]
items: false`, `[{"id":1},{"password_hash":"h","nested":{"x":1}}]`, 502, ""},
		{"a scalar under items false", "3.1.0", `
type: array
prefixItems: [{$ref: '#/components/schemas/User'}]
items: false`, `[{"id":1},"$2a$10$secrethash"]`, 502, ""},
		{"an additionalProperties false schema value", "3.1.0", `
type: object
properties: {id: {type: integer}}
additionalProperties: false`, `{"id":1,"password_hash":"h"}`, 200, `{"id":1}`},
		{"a true items schema is free-form", "3.1.0", `
type: array
items: true`, `[{"anything":1}]`, 200, `[{"anything":1}]`},
		{"a true allOf branch beside User widens nothing", "3.1.0", `
allOf:
  - $ref: '#/components/schemas/User'
  - true`, `{"id":1,"password_hash":"h"}`, 200, `{"id":1}`},
		{"a branch's additionalProperties false beside a root unevaluatedProperties", "3.1.0", `
allOf:
  - {type: object, properties: {id: {type: integer}}, additionalProperties: false}
unevaluatedProperties: {type: string}`, `{"id":1,"password_hash":"h"}`, 200, `{"id":1}`},
		{"a branch's additionalProperties false beside an open sibling", "3.0.3", `
allOf:
  - {type: object, properties: {id: {type: integer}}, additionalProperties: false}
  - {type: object, additionalProperties: true}`, `{"id":1,"password_hash":"h"}`, 200, `{"id":1}`},
		{"typed anyOf assertions under additionalProperties false", "3.0.3", `
type: object
properties: {email: {type: string}, phone: {type: string}}
additionalProperties: false
anyOf:
  - {type: object, required: [email]}
  - {type: object, required: [phone]}`, `{"email":"e","password_hash":"h"}`, 200, `{"email":"e"}`},
		{"typed oneOf assertions beside declared properties", "3.0.3", `
type: object
properties: {email: {type: string}, phone: {type: string}}
oneOf:
  - {type: object, required: [email]}
  - {type: object, required: [phone]}`, `{"email":"e","password_hash":"h"}`, 200, `{"email":"e"}`},
		{"a free-form allOf under additionalProperties false", "3.0.3", `
type: object
additionalProperties: false
allOf: [{type: object}]`, `{"password_hash":"h"}`, 200, `{}`},
		{"a free-form branch two allOf down", "3.0.3", `
allOf:
  - $ref: '#/components/schemas/User'
  - allOf: [{type: object, required: [id]}]`, `{"id":1,"password_hash":"h"}`, 200, `{"id":1}`},
		{"a free-form anyOf inside an allOf branch", "3.0.3", `
allOf:
  - $ref: '#/components/schemas/User'
  - anyOf: [{type: object}]`, `{"id":1,"password_hash":"h"}`, 200, `{"id":1}`},
		{"two declarations of one property, loose first", "3.0.3", `
allOf:
  - {type: object, properties: {owner: {type: object}}}
  - {type: object, properties: {owner: {$ref: '#/components/schemas/User'}}}`, `{"owner":{"id":1,"password_hash":"h"}}`, 200, `{"owner":{"id":1}}`},
		{"two declarations of one property, strict first", "3.0.3", `
allOf:
  - {type: object, properties: {owner: {$ref: '#/components/schemas/User'}}}
  - {type: object, properties: {owner: {type: object}}}`, `{"owner":{"id":1,"password_hash":"h"}}`, 200, `{"owner":{"id":1}}`},
		{"two additionalProperties schemas", "3.0.3", `
allOf:
  - {type: object, additionalProperties: {type: object}}
  - {type: object, additionalProperties: {$ref: '#/components/schemas/User'}}`, `{"k":{"id":1,"password_hash":"h"}}`, 200, `{"k":{"id":1}}`},
		{"a property beside another branch's additionalProperties", "3.0.3", `
allOf:
  - {type: object, properties: {owner: {type: object}}}
  - {type: object, additionalProperties: {$ref: '#/components/schemas/User'}}`, `{"owner":{"id":1,"password_hash":"h"}}`, 200, `{"owner":{"id":1}}`},
		{"items at the root, prefixItems in a branch", "3.1.0", `
type: array
items: {type: object}
allOf:
  - prefixItems: [{$ref: '#/components/schemas/User'}]`, `[{"id":1,"password_hash":"h"},{"x":1}]`, 200, `[{"id":1},{"x":1}]`},
		{"a scalar where an object is declared", "3.0.3", `
$ref: '#/components/schemas/User'`, `"$2a$10$secrethash"`, 502, ""},
		{"a scalar property where an object is declared", "3.0.3", `
type: object
properties: {owner: {$ref: '#/components/schemas/User'}}`, `{"owner":"$2a$10$secrethash"}`, 502, ""},
		{"null under a nullable object", "3.0.3", `
type: object
properties: {owner: {type: object, nullable: true, properties: {id: {type: integer}}}}`, `{"owner":null}`, 200, `{"owner":null}`},
		{"an allOf wrapper around {} keeps it free-form", "3.0.3", `
type: object
properties:
  id: {type: integer}
  metadata:
    description: labels
    allOf: [{description: any JSON value}]`, `{"id":1,"metadata":{"team":"a"}}`, 200, `{"id":1,"metadata":{"team":"a"}}`},
		{"a then that declares nothing leaves the schema free-form", "3.1.0", `
type: object
if: {properties: {kind: {const: a}}}
then: {required: [x]}`, `{"kind":"a","x":1}`, 200, `{"kind":"a","x":1}`},
		{"a then that declares a property closes the schema", "3.1.0", `
type: object
properties: {id: {type: integer}}
if: {properties: {kind: {const: a}}}
then: {properties: {owner: {$ref: '#/components/schemas/User'}}}`, `{"id":1,"owner":{"id":1,"password_hash":"h"}}`, 200, `{"id":1}`},
		{"a pattern in \\u escapes", "3.1.0", `
type: object
patternProperties: {"^[\\u0061-\\u007A]+$": {type: string}}
additionalProperties: false`, `{"ok":"a","NO":"b"}`, 200, `{"ok":"a"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := compositionValidator(t, tt.version, tt.schema, Config{Responses: Filter})
			w := httptest.NewRecorder()
			v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", strconv.Itoa(len(tt.body)))
				_, _ = w.Write([]byte(tt.body))
			})).ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == 200 && w.Body.String() != tt.wantBody {
				t.Fatalf("body = %s\nwant   %s", w.Body, tt.wantBody)
			}
			if strings.Contains(w.Body.String(), "password_hash") || strings.Contains(w.Body.String(), "secrethash") {
				t.Fatalf("leaked: %s", w.Body)
			}
			// The stream pass never passes what the walk would change.
			root := v.doc.Paths.Value("/x").Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
			if sh := v.shapes[root]; sh != nil && sh.conforms([]byte(tt.body), true) && !filterPasses(root, v.names, []byte(tt.body)) {
				t.Fatal("the stream pass passes a body the walk changes")
			}
		})
	}
}

// TestCompositionForms holds form bodies to every schema that applies to
// a field: the patterns a name matches, and the tuple position an index
// names.
func TestCompositionForms(t *testing.T) {
	const patterns = `
type: object
patternProperties:
  "^x-": {type: object}
  "^x-int-": {type: object, properties: {level: {type: integer}}, additionalProperties: false}
additionalProperties: false`
	const pair = `
type: object
properties:
  pair:
    type: array
    prefixItems:
      - {type: object}
      - {$ref: '#/components/schemas/User'}
additionalProperties: false`
	tests := []struct {
		name, schema, field string
		wantFound           bool
	}{
		{"a name every matching pattern declares", patterns, "x-int-a[level]", false},
		{"a name one matching pattern does not declare", patterns, "x-int-a[role]", true},
		{"a name under the looser pattern alone", patterns, "x-a[role]", false},
		{"a tuple position holds its own schema", pair, "pair[1][name]", false},
		{"an undeclared name in the second position", pair, "pair[1][role]", true},
		{"a name the first position's schema admits", pair, "pair[0][role]", false},
		{"an object past the tuple", pair, "pair[5][role]", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := compositionValidator(t, "3.1.0", tt.schema, Config{RejectUnknownProperties: true})
			root := v.doc.Paths.Value("/x").Post.RequestBody.Value.Content.Get("application/x-www-form-urlencoded").Schema.Value
			f := &findings{max: 10}
			formFields(root, v.names, []jsonlimits.Field{{Name: tt.field, Count: 1}}, false, f)
			if found := len(f.errs) != 0; found != tt.wantFound {
				t.Fatalf("findings = %v, want some: %v", f.errs, tt.wantFound)
			}
		})
	}
}

// text/json is JSON to the filter: filtered like application/json, not
// refused as an uncheckable body and not passed unread.
func TestTextJSONResponses(t *testing.T) {
	doc := []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      responses:
        "200":
          description: x
          content:
            text/json: {schema: {$ref: '#/components/schemas/User'}}
components:
  schemas:
    User: {type: object, properties: {id: {type: integer}}}
`)
	v, err := New(Config{Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range []string{"text/json", "text/json; charset=utf-8"} {
		body := `{"id":1,"password_hash":"h"}`
		w := httptest.NewRecorder()
		v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write([]byte(body))
		})).ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
		if w.Code != 200 || w.Body.String() != `{"id":1}` {
			t.Fatalf("%s: %d %s, want 200 {\"id\":1}", ct, w.Code, w.Body)
		}
	}
}
