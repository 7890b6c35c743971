package jsonlimits_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/jsonlimits"
)

var small = jsonlimits.Config{MaxDepth: 4, MaxArray: 3, MaxString: 16, MaxProperties: 3}

var checkCases = []struct {
	name    string
	body    string
	wantErr error
	pointer string
}{
	{"ordinary object", `{"a":1,"b":[1,2,3],"c":{"d":"hello"}}`, nil, ""},
	{"top-level scalar", `"fine"`, nil, ""},
	{"literal U+FFFD is valid", `{"a":"\ufffd �"}`, nil, ""},
	{"deep nesting", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), jsonlimits.ErrDepth, "/0/0/0/0"},
	{"deep objects", `{"a":{"b":{"c":{"d":{}}}}}`, jsonlimits.ErrDepth, "/a/b/c/d"},
	{"depth at limit", `{"a":{"b":{"c":{}}}}`, nil, ""},
	{"long array", `{"xs":[1,2,3,4]}`, jsonlimits.ErrArrayLength, "/xs/3"},
	{"long string value", `{"name":"` + strings.Repeat("A", 17) + `"}`, jsonlimits.ErrStringLength, "/name"},
	{"long key", `{"` + strings.Repeat("k", 17) + `":1}`, jsonlimits.ErrStringLength, ""},
	{"too many properties", `{"a":1,"b":2,"c":3,"d":4}`, jsonlimits.ErrProperties, "/d"},
	{"duplicate key", `{"role":"user","role":"admin"}`, jsonlimits.ErrDuplicateKey, "/role"},
	{"duplicate key nested in array", `{"xs":[{"a":1},{"a":1,"a":2}]}`, jsonlimits.ErrDuplicateKey, "/xs/1/a"},
	{"same key in sibling objects", `{"x":{"a":1},"y":{"a":1}}`, nil, ""},
	{"invalid UTF-8 value", "{\"name\":\"\xff\xfe\"}", jsonlimits.ErrInvalidUTF8, "/name"},
	{"invalid UTF-8 key", "{\"\xc3\x28\":1}", jsonlimits.ErrInvalidUTF8, ""},
	{"escaped pointer", `{"a/b":{"c~d":"` + strings.Repeat("x", 20) + `"}}`, jsonlimits.ErrStringLength, "/a~1b/c~0d"},
	{"__proto__ is only a key", `{"__proto__":{"isAdmin":true}}`, nil, ""},
	{"truncated", `{"a":`, jsonlimits.ErrSyntax, "/a"},
	{"empty body", ``, jsonlimits.ErrSyntax, ""},
	{"two documents", `{} {}`, jsonlimits.ErrSyntax, ""},
	{"trailing scalar", `1 2`, jsonlimits.ErrSyntax, ""},
}

func TestCheck(t *testing.T) {
	l, err := jsonlimits.New(small)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range checkCases {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Check([]byte(tt.body))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Check = %v, want %v", err, tt.wantErr)
			}
			var e *jsonlimits.Error
			if !errors.As(err, &e) || e.Pointer != tt.pointer {
				t.Fatalf("pointer = %q, want %q", e.Pointer, tt.pointer)
			}
			if strings.Contains(e.Detail(), "AAAA") || strings.Contains(err.Error(), "admin") {
				t.Fatalf("error quotes the body: %v", err)
			}
		})
	}
}

func TestCheckTenMegabyteString(t *testing.T) {
	l, err := jsonlimits.New(jsonlimits.Config{})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"bio":"` + strings.Repeat("x", 10<<20) + `"}`
	if err := l.Check([]byte(body)); !errors.Is(err, jsonlimits.ErrStringLength) {
		t.Fatalf("Check = %v, want ErrStringLength", err)
	}
}

func TestPointerNeverCarriesALongName(t *testing.T) {
	l, _ := jsonlimits.New(jsonlimits.Config{MaxDepth: 3})
	name := strings.Repeat("n", 300)
	err := l.Check([]byte(`{"` + name + `":[[[1]]]}`))
	var e *jsonlimits.Error
	if !errors.As(err, &e) || !errors.Is(err, jsonlimits.ErrDepth) {
		t.Fatalf("Check = %v, want ErrDepth", err)
	}
	if strings.Contains(e.Pointer, name) {
		t.Fatalf("pointer carries the name: %q", e.Pointer)
	}
}

func TestNewRejectsNegativeLimits(t *testing.T) {
	_, err := jsonlimits.New(jsonlimits.Config{MaxDepth: -1, MaxArray: -2, MaxBody: -3})
	var e *jsonlimits.InvalidLimitError
	if !errors.As(err, &e) {
		t.Fatalf("New = %v, want InvalidLimitError", err)
	}
	for _, field := range []string{"MaxDepth", "MaxArray", "MaxBody"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not report %s: %v", field, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, tt := range checkCases {
		f.Add([]byte(tt.body))
	}
	l, err := jsonlimits.New(small)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := l.Check(data)
		var e *jsonlimits.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error of unexpected type %T", err)
		}
		if err == nil && !jsonValid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
	})
}
