package validate

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rampart-api/rampart/internal/notedoc"
)

func loadValidator(t testing.TB, file string) *Validator {
	t.Helper()
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(Config{Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// schemaOf is the application/json schema of the 200 response of GET path.
func schemaOf(t testing.TB, v *Validator, path string) *openapi3.Schema {
	t.Helper()
	item := v.doc.Paths.Value(path)
	if item == nil || item.Get == nil {
		t.Fatalf("no GET %s", path)
	}
	mt := item.Get.Responses.Status(200).Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		t.Fatalf("no JSON schema for GET %s", path)
	}
	return mt.Schema.Value
}

// filterPasses is what the decoding path decides: the body decodes as
// one value and the walk finds nothing to remove and no mismatch.
func filterPasses(schema *openapi3.Schema, pats namePatterns, body []byte) bool {
	var value any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil || dec.More() {
		return false
	}
	clean := true
	unsent(schema, pats, value, false, func(string, bool) { clean = false })
	return clean
}

var conformsCases = []struct {
	name, file, path, body string
	want                   bool
}{
	{"declared properties", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1,"username":"ada","email":"a@example.com","role":"user"}`, true},
	{"whitespace around the value", "testdata/demo-openapi.yaml", "/api/users/{id}", " \n{\"id\":1}\r\n\t", true},
	{"undeclared property", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1,"password_hash":"h"}`, false},
	{"undeclared property behind an escape", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1,"pass\u0077ord_hash":"h"}`, false},
	{"declared property behind an escape", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"\u0069d":1}`, true},
	{"undeclared property nested in a declared one", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":{"password_hash":"h"}}`, false},
	{"duplicate name", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":{"password_hash":"h"},"id":1}`, false},
	{"repeated name, each declared", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1,"id":2}`, true},
	{"invalid UTF-8 in a name", "testdata/demo-openapi.yaml", "/api/users/{id}", "{\"id\xff\":1}", false},
	{"invalid UTF-8 in a value", "testdata/demo-openapi.yaml", "/api/users/{id}", "{\"username\":\"\xff\"}", false},
	{"array where an object is declared", "testdata/demo-openapi.yaml", "/api/users/{id}", `[{"id":1}]`, false},
	{"trailing value", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1}{"password_hash":"h"}`, false},
	{"trailing bracket", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1}]`, false},
	{"truncated", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1,`, false},
	{"empty", "testdata/demo-openapi.yaml", "/api/users/{id}", ``, false},
	{"byte order mark", "testdata/demo-openapi.yaml", "/api/users/{id}", "\ufeff{\"id\":1}", false},
	{"comment", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1/* x */}`, false},
	{"NaN", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":NaN}`, false},
	{"huge number", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1e400}`, true},
	{"lone surrogate in a name", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"id":1,"\ud800":1}`, false},
	{"name differing by case", "testdata/demo-openapi.yaml", "/api/users/{id}", `{"ID":1}`, false},
	{"NUL after the value", "testdata/demo-openapi.yaml", "/api/users/{id}", "{\"id\":1}\x00", false},
	{"scalar where an object is declared", "testdata/demo-openapi.yaml", "/api/users/{id}", `"x"`, true},
	{"allOf, oneOf and arrays of objects", "testdata/rules.yaml", "/api/orders/{id}",
		`{"id":9,"customer":{"name":"Ada","email":"a@x"},"lines":[{"sku":"A","qty":1},{"sku":"B"}],"payment":{"card_last4":"4242"},"extra":{"gift":"yes"}}`, true},
	{"undeclared property in an array item", "testdata/rules.yaml", "/api/orders/{id}", `{"id":9,"lines":[{"sku":"A"},{"sku":"B","cost":3}]}`, false},
	{"undeclared property in a oneOf branch", "testdata/rules.yaml", "/api/orders/{id}", `{"id":9,"payment":{"card_last4":"4242","card_pan":"4242424242424242"}}`, false},
	{"readOnly and plain properties", "testdata/writeonly.yaml", "/api/accounts/{id}", `{"id":1,"name":"a","card":{"last4":"4242"}}`, true},
	{"writeOnly property", "testdata/writeonly.yaml", "/api/accounts/{id}", `{"id":1,"password":"p"}`, false},
	{"writeOnly property behind an escape", "testdata/writeonly.yaml", "/api/accounts/{id}", `{"id":1,"p\u0061ssword":"p"}`, false},
	{"nested writeOnly property", "testdata/writeonly.yaml", "/api/accounts/{id}", `{"id":1,"card":{"last4":"4242","pan":"4242424242424242"}}`, false},
	{"property a branch declares writeOnly", "testdata/writeonly.yaml", "/api/profile", `{"name":"a","password":"p"}`, false},
	{"object where an array is declared", "testdata/rules.yaml", "/api/orders/{id}", `{"id":9,"lines":{"sku":"A"}}`, false},
	{"tuple positions each declared", "testdata/keywords-3.1.yaml", "/api/pair", `{"pair":[{"id":1,"name":"a"},{"label":"x"}]}`, true},
	{"undeclared property in the first tuple position", "testdata/keywords-3.1.yaml", "/api/pair", `{"pair":[{"id":1,"password_hash":"h"}]}`, false},
	{"undeclared property in the second tuple position", "testdata/keywords-3.1.yaml", "/api/pair", `{"pair":[{"id":1},{"label":"x","secret":1}]}`, false},
	{"object past a tuple without items", "testdata/keywords-3.1.yaml", "/api/pair", `{"pair":[{"id":1},{"label":"x"},{"password_hash":"h"}]}`, false},
	{"scalar past a tuple without items", "testdata/keywords-3.1.yaml", "/api/pair", `{"pair":[{"id":1},{"label":"x"},3]}`, true},
	{"items after the prefix", "testdata/keywords-3.1.yaml", "/api/pair", `{"track":["head",{"id":1},{"name":"b"}]}`, true},
	{"undeclared property in items after the prefix", "testdata/keywords-3.1.yaml", "/api/pair", `{"track":["head",{"id":1,"password_hash":"h"}]}`, false},
	{"object in a scalar tuple position", "testdata/keywords-3.1.yaml", "/api/pair", `{"track":[{"password_hash":"h"}]}`, false},
	{"names matching patterns", "testdata/keywords-3.1.yaml", "/api/labels", `{"id":1,"lang_en":"hi","x-a":{"note":"n"},"u_1":{"id":1}}`, true},
	{"name matching no pattern", "testdata/keywords-3.1.yaml", "/api/labels", `{"id":1,"lang_eng":"hi"}`, false},
	{"undeclared property under a pattern", "testdata/keywords-3.1.yaml", "/api/labels", `{"x-a":{"note":"n","secret":1}}`, false},
	{"undeclared property under a pattern's $ref", "testdata/keywords-3.1.yaml", "/api/labels", `{"u_1":{"id":1,"password_hash":"h"}}`, false},
	{"object under a pattern's string schema", "testdata/keywords-3.1.yaml", "/api/labels", `{"lang_en":{"password_hash":"h"}}`, false},
	{"name matching two patterns", "testdata/keywords-3.1.yaml", "/api/labels", `{"x-int-a":{"level":1}}`, false},
	{"property one of two matching patterns does not declare", "testdata/keywords-3.1.yaml", "/api/labels", `{"x-int-a":{"note":"n"}}`, false},
	{"pattern behind an escape", "testdata/keywords-3.1.yaml", "/api/labels", `{"lang_\u0065n":"hi"}`, true},
	{"unevaluatedProperties false over allOf", "testdata/keywords-3.1.yaml", "/api/profile", `{"id":1,"name":"a","bio":"b"}`, true},
	{"property no branch evaluates", "testdata/keywords-3.1.yaml", "/api/profile", `{"id":1,"password_hash":"h"}`, false},
	{"unevaluatedProperties schema", "testdata/keywords-3.1.yaml", "/api/settings", `{"theme":"d","beta":{"enabled":true}}`, true},
	{"undeclared property under unevaluatedProperties", "testdata/keywords-3.1.yaml", "/api/settings", `{"theme":"d","beta":{"enabled":true,"secret":1}}`, false},
	{"extras admitted", "testdata/keywords-3.1.yaml", "/api/meta", `{"role":"user","extra":{"a":1}}`, true},
	{"case variant beside a declared name", "testdata/keywords-3.1.yaml", "/api/meta", `{"role":"user","Role":"admin"}`, false},
	{"case variant alone", "testdata/keywords-3.1.yaml", "/api/meta", `{"ROLE":"admin"}`, false},
	{"case variant 3.0", "testdata/folding-3.0.yaml", "/api/meta", `{"name":"a","NAME":"b"}`, false},
	{"case variant of a writeOnly name", "testdata/folding-3.0.yaml", "/api/meta", `{"Password":"p"}`, false},
	{"long s folding to s", "testdata/folding-3.0.yaml", "/api/meta", `{"pa\u017fsword":"p"}`, false},
	{"declared name behind an escape 3.0", "testdata/folding-3.0.yaml", "/api/meta", `{"n\u0061me":"a","other":1}`, true},
	{"assertion-only allOf branch", "testdata/folding-3.0.yaml", "/api/account", `{"id":1,"name":"a"}`, true},
	{"undeclared property beside an assertion-only allOf branch", "testdata/folding-3.0.yaml", "/api/account", `{"id":1,"password_hash":"h"}`, false},
	{"undeclared property beside assertion-only oneOf branches", "testdata/folding-3.0.yaml", "/api/either", `{"email":"e","password_hash":"h"}`, false},
	{"free-form object behind allOf", "testdata/folding-3.0.yaml", "/api/wrapped", `{"anything":{"a":1}}`, true},
	{"property only then declares", "testdata/keywords-3.1.yaml", "/api/conditional", `{"owner":{"id":1,"password_hash":"h"}}`, false},
	{"JSON under */*", "testdata/folding-3.0.yaml", "/api/any", `{"id":1,"name":"a"}`, true},
	{"undeclared property under */*", "testdata/folding-3.0.yaml", "/api/any", `{"id":1,"secret":1}`, false},
}

func TestShapeConforms(t *testing.T) {
	for _, tt := range conformsCases {
		t.Run(tt.name, func(t *testing.T) {
			v := loadValidator(t, tt.file)
			schema := schemaOf(t, v, tt.path)
			sh := v.shapes[schema]
			if sh == nil {
				t.Fatal("no compiled shape")
			}
			if got := sh.conforms([]byte(tt.body), true); got != tt.want {
				t.Fatalf("conforms = %v, want %v", got, tt.want)
			}
			// Refusing repeated names only ever refuses more.
			if got := sh.conforms([]byte(tt.body), false); got && !tt.want {
				t.Fatal("conforms without repeats passes what conforms with them refuses")
			}
			if tt.want && !filterPasses(schema, v.patterns, []byte(tt.body)) {
				t.Fatal("the decoding path would not pass this body unchanged")
			}
		})
	}
}

// Where values are validated after the stream pass, a repeated name is
// left to the decoding path: the validation reads one occurrence, and a
// client that keeps the first would read a value nothing validated.
func TestShapeConformsOnce(t *testing.T) {
	v := loadValidator(t, "testdata/demo-openapi.yaml")
	sh := v.shapes[schemaOf(t, v, "/api/users/{id}")]
	for body, want := range map[string]bool{
		`{"id":1,"username":"ada"}`:              true,
		`{"id":1,"id":2}`:                        false,
		`{"id":1,"\u0069d":2}`:                   false,
		`{"id":1,"username":"a","username":"b"}`: false,
		`{"id":1,"username":"a","role":"user"}`:  true,
		`{"id":1,"username":"a","role":"user"} `: true,
		`{"id":1,"role":"admin","role":"user"}`:  false,
	} {
		if got := sh.conforms([]byte(body), false); got != want {
			t.Errorf("conforms(%s) without repeats = %v, want %v", body, got, want)
		}
	}
}

func TestShapeConformsAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops pooled decoders under the race detector")
	}
	v := loadValidator(t, "testdata/rules.yaml")
	sh := v.shapes[schemaOf(t, v, "/api/orders/{id}")]
	body := []byte(`{"id":9,"customer":{"name":"Ada","em\u0061il":"a@x"},"lines":[{"sku":"A","qty":1},{"sku":"B"}],"payment":{"card_last4":"4242"}}`)
	for _, repeats := range []bool{true, false} {
		if !sh.conforms(body, repeats) {
			t.Fatal("body does not conform")
		}
		if n := testing.AllocsPerRun(200, func() { sh.conforms(body, repeats) }); n != 0 {
			t.Fatalf("repeats %v: %v allocations per check, want 0", repeats, n)
		}
	}
	// Extras an additionalProperties admits are folded to be told from
	// case variants, and names are matched to patterns, in place.
	v = loadValidator(t, "testdata/keywords-3.1.yaml")
	for path, body := range map[string][]byte{
		"/api/meta":   []byte(`{"role":"user","Extra":{"A":1},"\u00c9t\u00e9":"x","NICKNAME":"n"}`),
		"/api/labels": []byte(`{"id":1,"lang_en":"hi","x-a":{"note":"n"},"u_1":{"id":1,"name":"a"}}`),
		"/api/pair":   []byte(`{"pair":[{"id":1},{"label":"x"},3],"track":["a",{"id":2}]}`),
	} {
		sh := v.shapes[schemaOf(t, v, path)]
		if !sh.conforms(body, true) {
			t.Fatalf("%s: body does not conform", path)
		}
		if n := testing.AllocsPerRun(200, func() { sh.conforms(body, true) }); n != 0 {
			t.Fatalf("%s: %v allocations per check, want 0", path, n)
		}
	}
}

// FuzzShapeConforms holds the stream pass to the decoding path it stands
// in for: a body it passes is one the decoding path passes unchanged, for
// every response schema of the test documents.
func FuzzShapeConforms(f *testing.F) {
	for _, tt := range conformsCases {
		f.Add(tt.body)
	}
	f.Add(`{"status":"ok"}`)
	f.Add(`{"items":[{"id":1,"title":"t"}],"total":1}`)
	type pair struct {
		schema *openapi3.Schema
		pats   namePatterns
		shape  *shape
	}
	var pairs []pair
	for _, file := range []string{"testdata/demo-openapi.yaml", "testdata/demo-openapi-3.1.yaml", "testdata/rules.yaml", "testdata/hardening.yaml", "testdata/writeonly.yaml", "testdata/keywords-3.1.yaml", "testdata/folding-3.0.yaml"} {
		v := loadValidator(f, file)
		for s, sh := range v.shapes {
			pairs = append(pairs, pair{s, v.patterns, sh})
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range pairs {
			if p.shape.conforms([]byte(body), true) && !filterPasses(p.schema, p.pats, []byte(body)) {
				t.Fatalf("stream pass accepts %q, which filtering would change or refuse", body)
			}
			if p.shape.conforms([]byte(body), false) && !p.shape.conforms([]byte(body), true) {
				t.Fatalf("stream pass without repeats accepts %q, which it refuses with them", body)
			}
		}
	})
}

func TestShapeOfRecursiveSchema(t *testing.T) {
	doc := []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /tree:
    get:
      responses:
        "200":
          description: a tree
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      type: object
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
`)
	v, err := New(Config{Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	schema := schemaOf(t, v, "/tree")
	sh := v.shapes[schema]
	for body, want := range map[string]bool{
		`{"name":"a","children":[{"name":"b","children":[{"name":"c"}]}]}`:            true,
		`{"name":"a","children":[{"name":"b","children":[{"name":"c","secret":1}]}]}`: false,
	} {
		if got := sh.conforms([]byte(body), true); got != want {
			t.Errorf("conforms(%s) = %v, want %v", body, got, want)
		}
		if got := filterPasses(schema, v.patterns, []byte(body)); got != want {
			t.Errorf("decoding path on %s = %v, want %v", body, got, want)
		}
	}
}

// A schema composed with itself through allOf loads; its shape must
// compile, and the stream pass and the decoding path must still agree.
func TestShapeOfCyclicComposition(t *testing.T) {
	doc := []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /loop:
    get:
      responses:
        "200":
          description: a loop
          content:
            application/json:
              schema: {$ref: '#/components/schemas/A'}
components:
  schemas:
    A:
      allOf: [{$ref: '#/components/schemas/B'}]
    B:
      allOf: [{$ref: '#/components/schemas/A'}]
`)
	v, err := New(Config{Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	schema := schemaOf(t, v, "/loop")
	sh := v.shapes[schema]
	if sh == nil {
		t.Fatal("no compiled shape")
	}
	for body, want := range map[string]bool{
		`"x"`:     true,
		`1`:       true,
		`{}`:      true,
		`{"a":1}`: false,
		`[1]`:     false,
	} {
		if got := sh.conforms([]byte(body), true); got != want {
			t.Errorf("conforms(%s) = %v, want %v", body, got, want)
		}
		if got := filterPasses(schema, v.patterns, []byte(body)); got != want {
			t.Errorf("decoding path on %s = %v, want %v", body, got, want)
		}
	}
}

// A schema composed with itself more than once makes every search of its
// branches a tree of 2^33 entries unless a schema met again is skipped:
// loading it, and filtering with it, must finish.
func TestShapeOfSchemaComposedWithItselfTwice(t *testing.T) {
	doc := []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /fan:
    get:
      responses:
        "200":
          description: a fan
          content:
            application/json:
              schema: {$ref: '#/components/schemas/A'}
components:
  schemas:
    A:
      type: object
      properties: {name: {type: string}}
      allOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/A'}]
`)
	v, err := New(Config{Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	schema := schemaOf(t, v, "/fan")
	sh := v.shapes[schema]
	if sh == nil {
		t.Fatal("no compiled shape")
	}
	for body, want := range map[string]bool{
		`{"name":"a"}`:       true,
		`{"name":"a","x":1}`: false,
		`{"name":{"x":1}}`:   false,
		`[{"name":"a"}]`:     false,
	} {
		if got := sh.conforms([]byte(body), true); got != want {
			t.Errorf("conforms(%s) = %v, want %v", body, got, want)
		}
		if got := filterPasses(schema, v.patterns, []byte(body)); got != want {
			t.Errorf("decoding path on %s = %v, want %v", body, got, want)
		}
	}
}

func BenchmarkShapeConforms(b *testing.B) {
	v, err := New(Config{Document: notedoc.Document("3.0.3")})
	if err != nil {
		b.Fatal(err)
	}
	sh := v.shapes[schemaOf(b, v, "/api/notes/{id}")]
	body := notedoc.Body
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if !sh.conforms(body, true) {
			b.Fatal("does not conform")
		}
	}
}

// FuzzFoldEqual holds the walk's comparison of names to the stream
// pass's folded names: they must agree, or the two paths would disagree
// about a case variant.
func FuzzFoldEqual(f *testing.F) {
	for _, pair := range [][2]string{{"role", "Role"}, {"password", "pa\u017fsword"}, {"kind", "\u212aind"}, {"id", "\u0130d"}, {"admin", "adm\u0131n"}, {"a\xff", "a\ufffd"}, {"", "x"}} {
		f.Add(pair[0], pair[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		same := bytes.Equal(appendFold(nil, []byte(a)), appendFold(nil, []byte(b)))
		if foldEqual(a, b) != same {
			t.Fatalf("foldEqual(%q, %q) = %v, folded names equal: %v", a, b, !same, same)
		}
		if strings.EqualFold(a, b) && utf8.ValidString(a) && utf8.ValidString(b) && !same {
			t.Fatalf("%q and %q are equal to encoding/json but not folded", a, b)
		}
	})
}
