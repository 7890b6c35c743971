package report_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rampart-api/rampart/scan"
	"github.com/rampart-api/rampart/scan/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sample() *scan.Report {
	mk := func(id, op, detail string, ev scan.Evidence) scan.Finding {
		r, _ := scan.RuleFor(id)
		return scan.Finding{Check: id, Family: r.Family, Title: r.Title, OWASP: r.OWASP, CWE: r.CWE, Severity: r.Severity, Operation: op, Detail: detail, Evidence: ev, Remedy: r.Remedy, Fix: r.Fix}
	}
	stack := mk(scan.CheckErrorsStack, "GET /api/Users", "The response carries a stack trace, naming files and code paths.",
		scan.Evidence{Request: "GET /api/Users", Status: 500, Response: "Error: boom at next (/app/server.js:42:7)"})
	stack.Occurrences = []string{"OPTIONS /api/users", "RAMPARTSCAN /api/Users"}
	rep := &scan.Report{
		Target: "http://127.0.0.1:8080", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 2 * time.Second, Requests: 212,
		Operations: []string{"GET /api/notes/{id}", "GET /api/users/{id}", "POST /api/login"},
		Findings: []scan.Finding{
			mk(scan.CheckAuthWeakSecret, "token of identity alice", "The HS256 token of identity alice verifies with a common secret.", scan.Evidence{Request: "(offline)", Response: "secret found (masked)"}),
			mk(scan.CheckBOLARead, "GET /api/notes/{id}", "Identity bob read an object that belongs to identity alice (id 1).",
				scan.Evidence{Request: "GET /api/notes/1 (Authorization: Bearer eyJh…[masked])", Status: 200, Response: `{"id":1,"owner_id":1,"text":"<b>hi</b> & bye"}`}),
			mk(scan.CheckHeadersDisclosure, "GET /", "The response names its software: X-Powered-By: Express.", scan.Evidence{Request: "GET /", Status: 200, Response: "X-Powered-By: Express"}),
			mk(scan.CheckExposureDocs, "GET /openapi.json", "/openapi.json answers 200 with the API description.", scan.Evidence{Request: "GET /openapi.json", Status: 200, Response: `{"openapi":"3.1.0"}`}),
			stack,
		},
		Status:   scan.Incomplete,
		Errors:   []string{"request budget of 212 spent before every probe was sent (raise --max-requests)"},
		Source:   "Swagger 2.0 document, converted to OpenAPI 3",
		Auth:     "Cookie: token=TOKEN (learnt from GET /api/users/me)",
		Baseline: []string{"GET: paths that cannot exist answer catch-all page (a single-page app's shell?) 200 text/html; findings matching this answer were dropped"},
		Skipped:  []string{"writes with side effects (mass assignment, bola writes, deep JSON, body injection): safe mode; use --unsafe against a disposable environment"},
		Notes:    []string{"limits: POST /api/login was throttled (429); the body size probe is inconclusive"},
	}
	rep.Sort()
	return rep
}

func render(t *testing.T, f report.Format) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.Write(&b, f, sample(), report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	ext := map[report.Format]string{report.Text: "txt", report.JSON: "json", report.SARIF: "sarif", report.JUnit: "xml", report.HTML: "html"}
	for _, f := range report.Formats {
		t.Run(string(f), func(t *testing.T) {
			got := render(t, f)
			path := filepath.Join("testdata", "report."+ext[f])
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run go test -update after checking):\n%s", f, path, got)
			}
		})
	}
}

func TestSARIFMatchesSchema(t *testing.T) {
	sf, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	doc, err := jsonschema.UnmarshalJSON(sf)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, rep := range map[string]*scan.Report{"sample": sample(), "empty": {Target: "http://127.0.0.1:1"}} {
		var b bytes.Buffer
		if err := report.Write(&b, report.SARIF, rep, report.Options{}); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(&b)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: SARIF does not match the 2.1.0 schema: %v", name, err)
		}
	}
	// The schema must be able to fail: a result without a message is invalid.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"x"}]}]}`))
	if sch.Validate(bad) == nil {
		t.Error("schema accepted a result without a message")
	}
}

func TestHTMLEscapesEvidence(t *testing.T) {
	got := string(render(t, report.HTML))
	if strings.Contains(got, "<b>hi</b>") || !strings.Contains(got, "&lt;b&gt;hi&lt;/b&gt;") {
		t.Error("evidence not escaped in HTML")
	}
	if strings.Contains(got, "<script") || strings.Contains(got, "<link") || strings.Contains(got, "src=") {
		t.Error("HTML report is not self-contained")
	}
}

// An incomplete scan says so before any finding, in every format.
func TestIncompleteSaidFirst(t *testing.T) {
	marks := map[report.Format]string{report.Text: "SCAN INCOMPLETE", report.JSON: `"status": "incomplete"`,
		report.SARIF: `"executionSuccessful": false`, report.JUnit: "scan incomplete", report.HTML: "Scan incomplete:"}
	for _, f := range report.Formats {
		got := string(render(t, f))
		i := strings.Index(got, marks[f])
		first := "auth.weak-secret"
		if f == report.SARIF {
			first = `"ruleId"` // rules are listed first, results after
		}
		j := strings.Index(got, first)
		if i < 0 || j >= 0 && j < i {
			t.Errorf("%s: %q is missing or comes after the first finding", f, marks[f])
		}
		complete := sample()
		complete.Status, complete.Errors = scan.Complete, nil
		var b bytes.Buffer
		if err := report.Write(&b, f, complete, report.Options{}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), marks[f]) {
			t.Errorf("%s: a complete scan is reported incomplete", f)
		}
	}
}

func TestHTMLCodeSpans(t *testing.T) {
	got := string(render(t, report.HTML))
	if !strings.Contains(got, "<code>routes[].owner: {param: id, claim: sub, except_roles: [admin]}</code>") {
		t.Error("remedy code span not rendered")
	}
	if !strings.Contains(got, "Same root cause, also at: <code>OPTIONS /api/users</code>") {
		t.Error("occurrences not listed")
	}
	if !strings.Contains(got, "Skipped checks") {
		t.Error("skipped checks not shown")
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"text", "SARIF", "junit"} {
		if _, err := report.ParseFormat(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := report.ParseFormat("pdf"); !errors.Is(err, report.ErrFormat) {
		t.Errorf("pdf: want ErrFormat, got %v", err)
	}
}

func ExampleWrite() {
	rep := &scan.Report{Target: "http://127.0.0.1:8080", Requests: 3}
	_ = report.Write(os.Stdout, report.Text, rep, report.Options{})
	// Output:
	// rampart scan http://127.0.0.1:8080: 0 findings, 3 requests, 0 operations
}
