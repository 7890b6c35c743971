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
		{"array smuggling a number grants nothing", []any{"user", 7.0}, nil},
		{"array smuggling an object grants nothing", []any{"user", map[string]any{"admin": true}}, nil},
		{"nested array grants nothing", []any{[]any{"admin"}}, nil},
		{"number", 7.0, nil},
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
	for _, s := range []string{"role", "roles", "realm_access.roles", "groups", "https://example.com/roles", "a.b", "x.y.z"} {
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
		// A path naming a top-level key verbatim always finds it.
		direct := map[string]any{s: "x"}
		if got, ok := p.Lookup(direct); !ok || got != "x" {
			t.Fatalf("Lookup(%q) on {%q: x} = %v, %v", s, s, got, ok)
		}
	})
}
