package claims

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const sample = `{
	"sub": "alice",
	"role": "admin",
	"roles": ["user", "auditor"],
	"scope": "notes:read  notes:write",
	"scp": ["notes:read"],
	"realm_access": {"roles": ["realm-user"]},
	"resource_access": {"api": {"roles": ["api-admin"]}},
	"https://example.com/roles": ["namespaced"],
	"a.b": "verbatim wins",
	"a": {"b": "walked"},
	"x": {"y.z": "verbatim below"},
	"groups": ["g1", 7],
	"n": 3,
	"deep": {"str": "not an object"}
}`

func sampleClaims(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(sample), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLookup(t *testing.T) {
	claims := sampleClaims(t)
	tests := []struct {
		path   string
		want   any
		wantOK bool
	}{
		{"role", "admin", true},
		{"roles", []any{"user", "auditor"}, true},
		{"realm_access.roles", []any{"realm-user"}, true},
		{"resource_access.api.roles", []any{"api-admin"}, true},
		{"https://example.com/roles", []any{"namespaced"}, true},
		{"a.b", "verbatim wins", true},
		{"x.y.z", "verbatim below", true},
		{"missing", nil, false},
		{"realm_access.missing", nil, false},
		{"role.sub-key of a string", nil, false},
		{"deep.str.more", nil, false},
		{"n", 3.0, true},
		{"sub.realm_access", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := Parse(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := p.Lookup(claims)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Lookup(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestLookupNilAndZero(t *testing.T) {
	p, err := Parse("roles")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := p.Lookup(nil); ok || v != nil {
		t.Fatalf("Lookup(nil) = %v, %v", v, ok)
	}
	var zero Path
	if !zero.IsZero() {
		t.Fatal("zero Path not IsZero")
	}
	if v, ok := zero.Lookup(sampleClaims(t)); ok || v != nil {
		t.Fatalf("zero Lookup = %v, %v", v, ok)
	}
}

var badPaths = []struct {
	name, path string
}{
	{"empty", ""},
	{"leading dot", ".roles"},
	{"trailing dot", "roles."},
	{"double dot", "realm_access..roles"},
	{"only dots", "..."},
	{"newline log injection", "roles\nevent=auth.ok"},
	{"nul byte", "roles\x00"},
	{"invalid utf-8", "rol\xffes"},
	{"too long", strings.Repeat("r", MaxPathBytes+1)},
	{"too many segments", strings.Repeat("a.", MaxPathSegments) + "a"},
}

func TestParseRefuses(t *testing.T) {
	for _, tt := range badPaths {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.path)
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("Parse(%q) error = %v, want ErrInvalidPath", tt.path, err)
			}
			var pe *PathError
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("Parse(%q) error %v is not a *PathError with a reason", tt.path, err)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []string
	}{
		{"single role", "admin", []string{"admin"}},
		{"space separated scopes", "notes:read  notes:write ", []string{"notes:read", "notes:write"}},
		{"array", []any{"a", "b"}, []string{"a", "b"}},
		{"go slice", []string{"a", "", "b"}, []string{"a", "b"}},
		{"array with empty strings", []any{"", "a"}, []string{"a"}},
		{"array of only empty", []any{""}, nil},
		{"array with an integral number", []any{"user", 7.0}, []string{"user", "7"}},
		{"array with a json.Number", []any{"user", json.Number("12345678901234567890")}, []string{"user", "12345678901234567890"}},
		{"array smuggling a fraction grants nothing", []any{"user", 7.5}, nil},
		{"array smuggling an exponent grants nothing", []any{"user", json.Number("1e3")}, nil},
		{"array smuggling a bool grants nothing", []any{"user", true}, nil},
		{"array smuggling an object grants nothing", []any{"user", map[string]any{"admin": true}}, nil},
		{"nested array grants nothing", []any{[]any{"admin"}}, nil},
		{"number", 7.0, []string{"7"}},
		{"huge float is not exact", 1e300, nil},
		{"bool", true, nil},
		{"object", map[string]any{"admin": true}, nil},
		{"nil", nil, nil},
		{"empty string", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Strings(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Strings(%#v) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSegments(t *testing.T) {
	claims := sampleClaims(t)
	tests := []struct {
		segs   []string
		want   any
		wantOK bool
	}{
		{[]string{"a.b"}, "verbatim wins", true},
		{[]string{"a", "b"}, "walked", true},
		{[]string{"x", "y.z"}, "verbatim below", true},
		{[]string{"x", "y", "z"}, nil, false},
		{[]string{"https://example.com/roles"}, []any{"namespaced"}, true},
		{[]string{"realm_access", "roles"}, []any{"realm-user"}, true},
		{[]string{"realm_access.roles"}, nil, false},
	}
	for _, tt := range tests {
		s := Segments(tt.segs...)
		t.Run(s, func(t *testing.T) {
			p, err := Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := p.Lookup(claims)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Lookup(%s) = %v, %v; want %v, %v", s, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	for _, bad := range []string{`[]`, `[""]`, `["a",""]`, `[1]`, `["a"`, `["a\u0000"]`, Segments(strings.Split(strings.Repeat("a.", MaxPathSegments)+"a", ".")...)} {
		if _, err := Parse(bad); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("Parse(%s) error = %v, want ErrInvalidPath", bad, err)
		}
	}
}

func TestClaimString(t *testing.T) {
	tests := []struct {
		in     any
		want   string
		wantOK bool
	}{
		{"alice", "alice", true},
		{json.Number("42"), "42", true},
		{json.Number("-7"), "-7", true},
		{json.Number("0"), "0", true},
		{json.Number("123456789012345678901234567890"), "123456789012345678901234567890", true},
		{json.Number("42.0"), "", false},
		{json.Number("4.2e1"), "", false},
		{json.Number("042"), "", false},
		{json.Number("-0"), "", false},
		{42.0, "42", true},
		{4.2, "", false},
		{float64(1 << 60), "", false},
		{true, "", false},
		{nil, "", false},
		{[]any{"a"}, "", false},
	}
	for _, tt := range tests {
		got, ok := String(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("String(%#v) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestString(t *testing.T) {
	p, err := Parse("realm_access.roles")
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != "realm_access.roles" {
		t.Fatalf("String() = %q", p.String())
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"role", "roles", "realm_access.roles", "groups", "https://example.com/roles", "a.b", "x.y.z", `["a.b"]`, `["https://x.example/claims","roles"]`, `[]`, `["",""]`, `[1]`} {
		f.Add(s)
	}
	for _, tt := range badPaths {
		f.Add(tt.path)
	}
	claims := sampleClaims(f)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrInvalidPath", s, err)
			}
			if !p.IsZero() {
				t.Fatalf("Parse(%q) failed but returned a non-zero Path", s)
			}
			return
		}
		if p.String() != s {
			t.Fatalf("String() = %q, want %q", p.String(), s)
		}
		v, ok := p.Lookup(claims)
		if !ok && v != nil {
			t.Fatalf("Lookup(%q) = %v, false", s, v)
		}
		_ = Strings(v)
		if strings.HasPrefix(s, "[") {
			// The segments form: a claims object built along its
			// segments finds the leaf.
			var leaf any = "x"
			for i := len(p.keys) - 1; i >= 0; i-- {
				leaf = map[string]any{p.keys[i][0]: leaf}
			}
			if got, ok := p.Lookup(leaf.(map[string]any)); !ok || got != "x" {
				t.Fatalf("Lookup(%q) on its own shape = %v, %v", s, got, ok)
			}
			return
		}
		// A path naming a top-level key verbatim always finds it.
		direct := map[string]any{s: "x"}
		if got, ok := p.Lookup(direct); !ok || got != "x" {
			t.Fatalf("Lookup(%q) on {%q: x} = %v, %v", s, s, got, ok)
		}
	})
}
