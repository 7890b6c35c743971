package scan_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rampart-api/rampart/scan"
)

// documentedOps reads an app's OpenAPI 3 or Swagger 2.0 document into
// "METHOD /path" strings, server or base path included.
func documentedOps(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	var doc *openapi3.T
	var probe struct {
		Swagger string `json:"swagger"`
	}
	if json.Unmarshal(data, &probe) == nil && probe.Swagger != "" {
		var v2 openapi2.T
		if err := json.Unmarshal(data, &v2); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if doc, err = openapi2conv.ToV3(&v2); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	} else if doc, err = loader.LoadFromData(data); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s is not a valid document: %v", file, err)
	}
	prefix := ""
	if len(doc.Servers) > 0 {
		prefix = strings.TrimRight(doc.Servers[0].URL, "/")
	}
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+prefix+path)
		}
	}
	return ops
}

// Every manifest must parse, name checks in the scanner's families, and
// place each flaw on an operation its document describes or on a path the
// app really serves outside the document.
func TestCorpusManifests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "apps", "*", "manifest.json"))
	if err != nil || len(files) < 5 {
		t.Fatalf("want at least five apps under testdata/apps, got %d (%v)", len(files), err)
	}
	frameworks := map[string]bool{}
	for _, f := range files {
		dir := filepath.Dir(f)
		m, err := loadManifest(dir)
		if err != nil {
			t.Error(err)
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			if filepath.Base(dir) != m.Name {
				t.Errorf("manifest name %q in directory %s", m.Name, dir)
			}
			frameworks[m.Framework] = true
			ops := documentedOps(t, filepath.Join(dir, m.OpenAPI))
			// Negatives may sit on paths only a catch-all answers.
			for _, list := range [][]plantedFlaw{m.Flaws, m.Tolerated} {
				for _, p := range list {
					if p.Op == "*" || strings.HasPrefix(p.Op, "* ") {
						continue
					}
					documented := false
					for _, o := range ops {
						documented = documented || matchOp(p.Op, o)
					}
					method, path, _ := strings.Cut(p.Op, " ")
					if !documented && !servedOutsideDocument(dir, method, path) {
						t.Errorf("%s %s on %s: not in %s and not served by the app as a file or an undocumented route", p.ID, p.Check, p.Op, m.OpenAPI)
					}
				}
			}
			for _, id := range m.Identities {
				if id.User == "" || id.Password == "" {
					t.Errorf("identity %s needs a user and a password", id.Name)
				}
			}
			if !strings.EqualFold(m.Login.Method, http.MethodPost) {
				t.Errorf("login method %q, want POST", m.Login.Method)
			}
		})
	}
	if len(frameworks) < 5 {
		t.Errorf("want five different frameworks, got %d", len(frameworks))
	}
}

// servedOutsideDocument reports whether an app's source serves path
// outside its document: a route string in the source, or a file or
// directory under the app.
func servedOutsideDocument(dir, method, path string) bool {
	if method != http.MethodGet {
		return false
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(path, "/")))); err == nil {
		return true
	}
	for _, src := range []string{"server.js", "app.py", "main.go"} {
		b, err := os.ReadFile(filepath.Join(dir, src))
		if err == nil && (strings.Contains(string(b), `"`+path+`"`) || strings.Contains(string(b), `'`+path+`'`) || strings.Contains(string(b), `"GET `+path+`"`)) {
			return true
		}
	}
	return false
}

func TestMatchOp(t *testing.T) {
	cases := []struct {
		pattern, op string
		want        bool
	}{
		{"*", "token of identity alice", true},
		{"*", "GET /api/users/{id}", true},
		{"GET /api/Users/{id}", "GET /api/users/{id}", true},
		{"GET /api/Users/{id}", "GET /api/Users/2", true},
		{"GET /rest/basket/{bid}", "GET /rest/basket/{id}", true},
		{"GET /ftp", "GET /ftp/", true},
		{"GET /rest/products/search", "GET /rest/products/search?q=%27", true},
		{"* /api/login", "POST /api/login", true},
		{"* /api/login", "RAMPARTSCAN /api/login", true},
		{"GET /api/Users/{id}", "PUT /api/Users/{id}", false},
		{"GET /api/Users/{id}", "GET /api/Users", false},
		{"GET /api/Users/{id}", "GET /api/Users/1/orders", false},
		{"GET /rest/admin/users", "GET /rest/admin/application-version", false},
		{"GET /api/users/{id}", "token of identity alice", false},
		{"GET /", "GET /", true},
		{"GET /", "GET /api", false},
		{"GET /api", "GET api", false},
		{"GET /api", "", false},
		{"", "GET /api", false},
	}
	for _, tc := range cases {
		if got := matchOp(tc.pattern, tc.op); got != tc.want {
			t.Errorf("matchOp(%q, %q) = %v, want %v", tc.pattern, tc.op, got, tc.want)
		}
	}
}

func TestMatchFindings(t *testing.T) {
	// Check ids are literals: the matching rule must not depend on which
	// checks the scanner has today.
	m := &corpusManifest{
		Flaws: []plantedFlaw{
			{ID: "bola", Check: "bola.read", Op: "GET /api/Users/{id}"},
			{ID: "secret", Check: "auth.weak-secret", Op: "*"},
			{ID: "stack", Check: "errors.stack-trace", Op: "*", PerPath: true},
			{ID: "spa-only", Check: "exposure.directory-listing", Op: "GET /ftp", Crawl: new(bool)},
			{ID: "future", Check: "cors.not-a-check-yet", Op: "*"},
		},
		Tolerated: []plantedFlaw{{Check: "exposure.undocumented-operation", Op: "GET /ftp"}},
		Negatives: []plantedFlaw{
			{Check: "bfla.admin-operation", Op: "GET /rest/admin/application-version"},
			{Check: "errors.server-error", Op: "*"},
		},
	}
	f := func(check, op string, sev scan.Severity) scan.Finding {
		return scan.Finding{Check: check, Operation: op, Severity: sev}
	}
	res := matchFindings(m, "openapi", []scan.Finding{
		f("bola.read", "GET /api/Users/{id}", scan.High),
		f("bola.read", "GET /api/users/{id}", scan.High), // case twin: duplicate
		f("auth.weak-secret", "token of identity alice", scan.Critical),
		f("auth.weak-secret", "token of identity bob", scan.Critical), // once per identity: duplicate
		f("errors.stack-trace", "GET /api/Users/{id}", scan.Medium),
		f("errors.stack-trace", "POST /rest/user/login", scan.Medium),               // another path: fine
		f("errors.stack-trace", "OPTIONS /rest/user/login", scan.Medium),            // same path: duplicate
		f("cors.any-origin", "GET /api/Products", scan.Low),                         // unknown id, same family
		f("exposure.undocumented-operation", "GET /ftp", scan.Medium),               // tolerated
		f("bfla.admin-operation", "GET /rest/admin/application-version", scan.High), // negative
		f("errors.server-error", "RAMPARTSCAN /", scan.Low),                         // negative, low
		f("exposure.path", "GET /.env", scan.High),                                  // planted nowhere
		f("headers.missing", "GET /", scan.Low),                                     // planted nowhere, low
	})
	if got := len(res.Expected); got != 5 {
		t.Errorf("expected %d flaws with the document, want 5", got)
	}
	for _, id := range []string{"bola", "secret", "stack", "future"} {
		if len(res.Found[id]) == 0 {
			t.Errorf("flaw %s not found", id)
		}
	}
	if len(res.Found["stack"]) != 2 {
		t.Errorf("stack found on %d paths, want 2", len(res.Found["stack"]))
	}
	if got := res.recall(); got != 0.8 {
		t.Errorf("recall %v, want 0.8", got)
	}
	if len(res.Duplicates) != 3 {
		t.Errorf("duplicates %v, want the case twin, bob's secret and the OPTIONS stack", res.Duplicates)
	}
	if len(res.FalsePositives) != 2 || res.FalsePositives[0].Check != "bfla.admin-operation" || res.FalsePositives[1].Check != "exposure.path" {
		t.Errorf("false positives %v, want the public version endpoint and /.env", res.FalsePositives)
	}
	if len(res.LowFalsePositives) != 1 || len(res.Unplanted) != 1 || res.Tolerated != 1 {
		t.Errorf("low false positives %v, unplanted %v, tolerated %d; want one each", res.LowFalsePositives, res.Unplanted, res.Tolerated)
	}
	crawl := matchFindings(m, "crawl", nil)
	if len(crawl.Expected) != 4 || crawl.recall() != 0 {
		t.Errorf("crawl expects %d flaws at recall %v, want 4 at 0", len(crawl.Expected), crawl.recall())
	}
}

func FuzzMatchOp(f *testing.F) {
	for _, s := range [][2]string{
		{"GET /api/Users/{id}", "GET /api/users/2"}, {"*", "token of identity a"}, {"* /x", "POST /x/"},
		{"GET /{a}/{b}", "GET //"}, {"GET /a?b", "GET /a?c"}, {"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, op string) {
		got := matchOp(pattern, op)
		if pattern == "*" && !got {
			t.Fatalf("* did not match %q", op)
		}
		// Matching ignores ASCII case, so it must not depend on it.
		if isASCII(pattern+op) && matchOp(strings.ToUpper(pattern), strings.ToUpper(op)) != got {
			t.Fatalf("matchOp(%q, %q) depends on case", pattern, op)
		}
		if got && pattern != "*" && !strings.Contains(op, " /") {
			t.Fatalf("%q matched %q, which is no operation", pattern, op)
		}
		_ = normPath(op)
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
