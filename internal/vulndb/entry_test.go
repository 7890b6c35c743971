package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// osvStdlib is shaped like a real database entry: stdlib, a reintroduced
// range with a pre-release boundary, symbols.
const osvStdlib = `{
  "schema_version": "1.3.1",
  "id": "GO-2024-2687",
  "modified": "0001-01-01T00:00:00Z",
  "published": "0001-01-01T00:00:00Z",
  "aliases": ["CVE-2023-45288", "GHSA-4v7x-pqxf-cx7m"],
  "summary": "HTTP/2 CONTINUATION flood in net/http",
  "details": "An attacker may cause an HTTP/2 endpoint to read arbitrary amounts of header data.",
  "affected": [{
    "package": {"name": "stdlib", "ecosystem": "Go"},
    "ranges": [{"type": "SEMVER", "events": [
      {"introduced": "0"}, {"fixed": "1.21.9"}, {"introduced": "1.22.0-0"}, {"fixed": "1.22.2"}]}],
    "ecosystem_specific": {"imports": [{"path": "net/http", "symbols": ["http2serverConn.processHeaders"]}]}
  }],
  "database_specific": {"url": "https://pkg.go.dev/vuln/GO-2024-2687", "review_status": "REVIEWED"}
}`

// osvTextEntry affects a third-party module and carries a field this program
// does not model (credits), which must survive into ID/<id>.json.
const osvTextEntry = `{"schema_version":"1.3.1","id":"GO-2021-0113",
 "modified":"2024-05-20T16:03:47Z","published":"2021-10-06T17:51:21Z",
 "aliases":["CVE-2021-38561"],"summary":"Out-of-bounds read in golang.org/x/text/language",
 "affected":[{"package":{"name":"golang.org/x/text","ecosystem":"Go"},
  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.3.7"}]}],
  "ecosystem_specific":{"imports":[{"path":"golang.org/x/text/language","symbols":["Parse","MatchStrings"]}]}}],
 "credits":[{"name":"someone"}],
 "database_specific":{"url":"https://pkg.go.dev/vuln/GO-2021-0113","review_status":"REVIEWED"}}`

// withField returns the osvTextEntry entry with one top-level field replaced.
func withField(t testing.TB, field string, value any) string {
	t.Helper()
	return setField(t, osvTextEntry, field, value)
}

// setField returns the entry data with one top-level field replaced.
func setField(t testing.TB, data, field string, value any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		t.Fatal(err)
	}
	m[field] = value
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withAffected returns osvTextEntry with its affected list replaced by one
// element built from the given JSON fragments.
func withAffected(t testing.TB, pkg, ranges, imports string) string {
	t.Helper()
	var a any
	frag := `{"package":` + pkg + `,"ranges":` + ranges + `,"ecosystem_specific":{"imports":` + imports + `}}`
	if err := json.Unmarshal([]byte(frag), &a); err != nil {
		t.Fatalf("bad fragment %s: %v", frag, err)
	}
	return withField(t, "affected", []any{a})
}

type entryCase struct {
	name    string
	file    string
	data    string
	wantErr error
}

func entryCases(t testing.TB) []entryCase {
	const textPkg = `{"name":"golang.org/x/text","ecosystem":"Go"}`
	const textImports = `[{"path":"golang.org/x/text/language"}]`
	semverRange := func(events string) string { return `[{"type":"SEMVER","events":` + events + `}]` }
	return []entryCase{
		{name: "real stdlib entry", file: "GO-2024-2687.json", data: osvStdlib},
		{name: "module entry with unmodelled fields", file: "GO-2021-0113.json", data: osvTextEntry},
		{name: "withdrawn entry is kept", file: "GO-2021-0113.json", data: withField(t, "withdrawn", "2024-01-01T00:00:00Z")},
		{name: "no ranges means every version", file: "GO-2021-0113.json", data: withAffected(t, textPkg, `[]`, textImports)},
		{name: "pseudo-version fix", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"introduced":"0"},{"fixed":"0.0.0-20220824120805-4ac4c2a5a6d4"}]`), textImports)},
		{name: "toolchain packages need no module prefix", file: "GO-2021-0113.json", data: withAffected(t,
			`{"name":"toolchain","ecosystem":"Go"}`, semverRange(`[{"introduced":"0"}]`), `[{"path":"cmd/go"}]`)},

		{name: "path traversal in id", file: "GO-2021-0113.json", data: withField(t, "id", "../../etc/passwd"), wantErr: ErrID},
		{name: "id with trailing path", file: "GO-2021-0113.json", data: withField(t, "id", "GO-2021-0113/x"), wantErr: ErrID},
		{name: "lowercase id", file: "go-2021-0113.json", data: withField(t, "id", "go-2021-0113"), wantErr: ErrID},
		{name: "empty id", file: ".json", data: withField(t, "id", ""), wantErr: ErrID},
		{name: "id from another file", file: "GO-2021-0114.json", data: osvTextEntry, wantErr: ErrFileName},
		{name: "truncated json", file: "GO-2021-0113.json", data: osvTextEntry[:len(osvTextEntry)/2], wantErr: ErrSyntax},
		{name: "trailing garbage", file: "GO-2021-0113.json", data: osvTextEntry + "}", wantErr: ErrSyntax},
		{name: "id of wrong type", file: "GO-2021-0113.json", data: withField(t, "id", 113), wantErr: ErrSyntax},
		{name: "modified not rfc3339", file: "GO-2021-0113.json", data: withField(t, "modified", "yesterday"), wantErr: ErrSyntax},
		{name: "published after modified", file: "GO-2021-0113.json", data: withField(t, "published", "2030-01-01T00:00:00Z"), wantErr: ErrTimestamps},
		{name: "no database_specific", file: "GO-2021-0113.json", data: withField(t, "database_specific", nil), wantErr: ErrAdvisoryURL},
		{name: "advisory link elsewhere", file: "GO-2021-0113.json", data: withField(t, "database_specific",
			map[string]any{"url": "https://pkg.go.dev.example.com/vuln/GO-2021-0113"}), wantErr: ErrAdvisoryURL},
		{name: "advisory link to another entry", file: "GO-2021-0113.json", data: withField(t, "database_specific",
			map[string]any{"url": "https://pkg.go.dev/vuln/GO-2021-0114"}), wantErr: ErrAdvisoryURL},
		{name: "no affected", file: "GO-2021-0113.json", data: withField(t, "affected", []any{}), wantErr: ErrNoAffected},
		{name: "empty module path", file: "GO-2021-0113.json", data: withAffected(t,
			`{"name":"","ecosystem":"Go"}`, semverRange(`[{"introduced":"0"}]`), `[]`), wantErr: ErrModulePath},
		{name: "npm ecosystem", file: "GO-2021-0113.json", data: withAffected(t,
			`{"name":"left-pad","ecosystem":"npm"}`, semverRange(`[{"introduced":"0"}]`), `[]`), wantErr: ErrEcosystem},
		{name: "git range", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			`[{"type":"GIT","events":[{"introduced":"0"}]}]`, textImports), wantErr: ErrRangeType},
		{name: "event with both bounds", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"introduced":"0","fixed":"0.3.7"}]`), textImports), wantErr: ErrEvent},
		{name: "empty event", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"introduced":"0"},{}]`), textImports), wantErr: ErrEvent},
		{name: "v-prefixed version", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"introduced":"0"},{"fixed":"v0.3.7"}]`), textImports), wantErr: ErrVersion},
		{name: "non-canonical version", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"introduced":"0"},{"fixed":"0.3"}]`), textImports), wantErr: ErrVersion},
		{name: "zero as fix", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"introduced":"0.1.0"},{"fixed":"0"}]`), textImports), wantErr: ErrVersion},
		{name: "fix before introduction", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"fixed":"0.3.7"},{"introduced":"0"}]`), textImports), wantErr: ErrEventOrder},
		{name: "two introductions in a row", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"introduced":"0"},{"introduced":"0.2.0"},{"fixed":"0.3.7"}]`), textImports), wantErr: ErrEventOrder},
		{name: "descending versions", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"introduced":"0.4.0"},{"fixed":"0.3.7"}]`), textImports), wantErr: ErrEventOrder},
		{name: "package in a look-alike module", file: "GO-2021-0113.json", data: withAffected(t, textPkg,
			semverRange(`[{"introduced":"0"}]`), `[{"path":"golang.org/x/textual"}]`), wantErr: ErrPackagePath},
	}
}

func TestParseEntry(t *testing.T) {
	for _, tc := range entryCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			e, err := parseEntry(tc.file, []byte(tc.data))
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("parseEntry: %v", err)
				}
				if e.ID+".json" != tc.file {
					t.Errorf("ID = %q, want it to match %q", e.ID, tc.file)
				}
				if !json.Valid(e.raw) || strings.ContainsAny(string(e.raw), "\n\t") {
					t.Errorf("raw is not compact JSON: %s", e.raw)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			var ee *EntryError
			if !errors.As(err, &ee) || ee.File != tc.file {
				t.Errorf("err = %#v, want *EntryError for %s", err, tc.file)
			}
		})
	}
}

func TestParseEntryKeepsUnmodelledFields(t *testing.T) {
	e, err := parseEntry("GO-2021-0113.json", []byte(osvTextEntry))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(e.raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"schema_version", "summary", "credits", "aliases", "affected"} {
		if _, ok := m[field]; !ok {
			t.Errorf("field %q lost from ID file", field)
		}
	}
}

func FuzzParseEntry(f *testing.F) {
	for _, tc := range entryCases(f) {
		f.Add(tc.file, []byte(tc.data))
	}
	f.Fuzz(func(t *testing.T, file string, data []byte) {
		e, err := parseEntry(file, data)
		if err != nil {
			var ee *EntryError
			if !errors.As(err, &ee) || ee.File != file {
				t.Fatalf("error %v is not an *EntryError for %q", err, file)
			}
			return
		}
		if !goID.MatchString(e.ID) || file != e.ID+".json" {
			t.Fatalf("accepted id %q from file %q", e.ID, file)
		}
		if !json.Valid(e.raw) {
			t.Fatalf("accepted entry has invalid raw JSON")
		}
		for _, a := range e.Affected {
			if fixed := latestFixed(a.Ranges); fixed != "" && !canonical(fixed) {
				t.Fatalf("latestFixed = %q, not a canonical version", fixed)
			}
		}
	})
}
