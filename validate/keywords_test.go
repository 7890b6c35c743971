package validate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/validate"
)

// TestResponseKeywords holds responses to documents using the JSON Schema
// 2020-12 keywords the filter reads (prefixItems, patternProperties,
// unevaluatedProperties), to case variants of declared names, and to
// media type ranges, in 3.1 and 3.0 documents.
func TestResponseKeywords(t *testing.T) {
	const kw, fold = "testdata/keywords-3.1.yaml", "testdata/folding-3.0.yaml"
	tests := []struct {
		name, doc, path string
		mode            validate.Mode
		contentType     string
		body            string
		wantStatus      int
		wantBody        string
		removed         []string
	}{
		{"a leak in a tuple position", kw, "/api/pair", validate.Filter, "application/json",
			`{"pair":[{"id":1,"password_hash":"h"},{"label":"x","cost":3}]}`, 200,
			`{"pair":[{"id":1},{"label":"x"}]}`, []string{"/pair/0/password_hash", "/pair/1/cost"}},
		{"a leak in items after the prefix", kw, "/api/pair", validate.Filter, "application/json",
			`{"track":["head",{"id":1,"password_hash":"h"}]}`, 200, `{"track":["head",{"id":1}]}`, []string{"/track/1/password_hash"}},
		{"an object past a tuple without items", kw, "/api/pair", validate.Filter, "application/json",
			`{"pair":[{"id":1},{"label":"x"},{"password_hash":"h"}]}`, 502, "", nil},
		{"names by pattern", kw, "/api/labels", validate.Filter, "application/json",
			`{"id":1,"lang_en":"hi","lang_eng":"x","x-a":{"note":"n","secret":1},"u_1":{"id":1,"password_hash":"h"}}`, 200,
			`{"id":1,"lang_en":"hi","u_1":{"id":1},"x-a":{"note":"n"}}`, []string{"/lang_eng", "/u_1/password_hash", "/x-a/secret"}},
		{"every matching pattern applies", kw, "/api/labels", validate.Filter, "application/json",
			`{"x-int-a":{"level":1,"note":"n"}}`, 200, `{"x-int-a":{"level":1}}`, []string{"/x-int-a/note"}},
		{"unevaluatedProperties false over allOf", kw, "/api/profile", validate.Filter, "application/json",
			`{"id":1,"name":"a","bio":"b","password_hash":"h"}`, 200, `{"bio":"b","id":1,"name":"a"}`, []string{"/password_hash"}},
		{"unevaluatedProperties schema", kw, "/api/settings", validate.Filter, "application/json",
			`{"theme":"d","beta":{"enabled":true,"secret":1}}`, 200, `{"beta":{"enabled":true},"theme":"d"}`, []string{"/beta/secret"}},
		{"a case variant beside the declared name", kw, "/api/meta", validate.Filter, "application/json",
			`{"role":"user","Role":"admin","extra":1}`, 200, `{"extra":1,"role":"user"}`, []string{"/Role"}},
		{"case variants 3.0", fold, "/api/meta", validate.Filter, "application/json",
			`{"name":"a","NAME":"b","Pa\u017fsword":"h","nickname":"n"}`, 200, `{"name":"a","nickname":"n"}`, []string{"/NAME", "/Pa\u017fsword"}},
		{"a case variant under enforce", fold, "/api/meta", validate.Enforce, "application/json",
			`{"role":"user","rOLE":"admin"}`, 200, `{"role":"user"}`, []string{"/rOLE"}},
		{"an assertion-only allOf branch admits nothing", fold, "/api/account", validate.Filter, "application/json",
			`{"id":1,"password_hash":"h"}`, 200, `{"id":1}`, []string{"/password_hash"}},
		{"assertion-only oneOf branches admit nothing", fold, "/api/either", validate.Filter, "application/json",
			`{"phone":"p","password_hash":"h"}`, 200, `{"phone":"p"}`, []string{"/password_hash"}},
		{"a free-form object behind allOf admits everything", fold, "/api/wrapped", validate.Filter, "application/json",
			`{"anything":{"a":1}}`, 200, `{"anything":{"a":1}}`, nil},
		{"a property only then declares is removed", kw, "/api/conditional", validate.Filter, "application/json",
			`{"owner":{"id":1,"password_hash":"h"}}`, 200, `{}`, []string{"/owner"}},
		{"JSON under */*", kw, "/api/any", validate.Filter, "application/json",
			`{"id":1,"password_hash":"h"}`, 200, `{"id":1}`, []string{"/password_hash"}},
		{"HTML under */* with an object schema", kw, "/api/any", validate.Filter, "text/html",
			`<p>password_hash: h</p>`, 502, "", nil},
		{"HTML under */* with an object schema 3.0", fold, "/api/any", validate.Enforce, "text/html",
			`<p>password_hash: h</p>`, 502, "", nil},
		{"XML under application/* with an object schema", kw, "/api/export", validate.Filter, "application/xml",
			`<user><password_hash>h</password_hash></user>`, 502, "", nil},
		{"report lets HTML under */* pass", kw, "/api/any", validate.Report, "text/html",
			`<p>x</p>`, 200, `<p>x</p>`, nil},
		{"text under */* with a string schema", kw, "/api/text", validate.Filter, "text/plain",
			`plain words`, 200, `plain words`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events bytes.Buffer
			v := newValidator(t, tt.doc, validate.Config{Responses: tt.mode, Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
			w := httptest.NewRecorder()
			v.Handler(upstream(200, tt.contentType, tt.body)).ServeHTTP(w, httptest.NewRequest("GET", tt.path, nil))
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == 502 {
				if strings.Contains(w.Body.String(), "password_hash") {
					t.Fatalf("refusal carries the body: %s", w.Body)
				}
				if !strings.Contains(events.String(), `"status":502`) {
					t.Fatalf("no refusal event: %s", events.String())
				}
				return
			}
			if w.Body.String() != tt.wantBody {
				t.Fatalf("body = %s\nwant   %s", w.Body, tt.wantBody)
			}
			if tt.mode == validate.Report && tt.contentType == "text/html" &&
				!strings.Contains(events.String(), "response body is not JSON but its schema declares properties") {
				t.Fatalf("report passed an unchecked body silently: %s", events.String())
			}
			var ev struct{ Fields []string }
			for _, line := range strings.Split(strings.TrimSpace(events.String()), "\n") {
				if strings.Contains(line, `"fields"`) {
					_ = json.Unmarshal([]byte(line), &ev)
				}
			}
			got := append([]string(nil), ev.Fields...)
			sortStrings(got)
			if strings.Join(got, ",") != strings.Join(tt.removed, ",") {
				t.Fatalf("removed = %q, want %q", got, tt.removed)
			}
		})
	}
}

// A case variant of a declared name is mass assignment for an upstream
// that matches names without case (encoding/json reads "Role" into the
// field tagged "role"), whether it comes alone or beside the declared
// one, and whatever admits extras.
func TestRequestCaseVariants(t *testing.T) {
	tests := []struct {
		name, doc, body string
		strict          bool
		status          int
		pointers        []string
	}{
		{"declared names", "testdata/folding-3.0.yaml", `{"name":"a","role":"member"}`, false, 204, nil},
		{"an extra name, lenient", "testdata/folding-3.0.yaml", `{"name":"a","nickname":"n"}`, false, 204, nil},
		{"a variant beside the declared name", "testdata/folding-3.0.yaml", `{"name":"a","role":"member","Role":"admin"}`, false, 400, []string{"/Role"}},
		{"a variant alone", "testdata/folding-3.0.yaml", `{"name":"a","ROLE":"admin"}`, false, 400, []string{"/ROLE"}},
		{"a variant behind an escape", "testdata/folding-3.0.yaml", `{"name":"a","\u0052ole":"admin"}`, false, 400, []string{"/Role"}},
		{"a variant, strict", "testdata/folding-3.0.yaml", `{"name":"a","Role":"admin"}`, true, 400, []string{"/Role"}},
		{"a variant of a readOnly name under additionalProperties true", "testdata/keywords-3.1.yaml", `{"name":"a","Role":"admin"}`, false, 400, []string{"/Role"}},
		{"a variant under additionalProperties true, strict", "testdata/keywords-3.1.yaml", `{"name":"a","rolE":"admin","extra":1}`, true, 400, []string{"/rolE"}},
		{"extras under additionalProperties true", "testdata/keywords-3.1.yaml", `{"name":"a","extra":1}`, true, 204, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newValidator(t, tt.doc, validate.Config{RejectUnknownProperties: tt.strict})
			r := httptest.NewRequest("POST", "/api/members", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			v.Handler(upstream(204, "", "")).ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status == 400 {
				if got := pointersOf(t, w.Body.Bytes()); strings.Join(got, ",") != strings.Join(tt.pointers, ",") {
					t.Fatalf("pointers = %q, want %q", got, tt.pointers)
				}
			}
		})
	}
}

// A patternProperties pattern RE2 cannot compile leaves the filter
// unable to say which names it declares: the document is refused.
func TestPatternThatDoesNotCompile(t *testing.T) {
	doc := []byte(`openapi: 3.1.0
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
                type: object
                patternProperties:
                  "^(?!internal_)": {type: string}
`)
	_, err := validate.New(validate.Config{Document: doc})
	var pe *validate.PatternError
	if !errors.Is(err, validate.ErrDocument) || !errors.As(err, &pe) || pe.Pattern != "^(?!internal_)" {
		t.Fatalf("err = %v, want a PatternError wrapped in ErrDocument", err)
	}
}
