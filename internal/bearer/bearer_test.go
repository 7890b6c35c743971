package bearer

import (
	"errors"
	"strings"
	"testing"
)

var parseCases = []struct {
	name, value string
	want        string
	err         error
}{
	{"bearer", "Bearer a.b.c", "a.b.c", nil},
	{"lower-case scheme", "bearer a.b.c", "a.b.c", nil},
	{"upper-case scheme, two spaces", "BEARER  a.b.c", "a.b.c", nil},
	{"padding at the end", "Bearer YWJj==", "YWJj==", nil},
	{"every b64token character", "Bearer aZ09-._~+/=", "aZ09-._~+/=", nil},
	{"basic is another scheme", "Basic dXNlcjpwYXNz", "", ErrNotBearer},
	{"bearerx is another scheme", "Bearerx a.b.c", "", ErrNotBearer},
	{"tab is not the separator", "Bearer\ta.b.c", "", ErrNotBearer},
	{"shorter than the scheme", "Bear", "", ErrNotBearer},
	{"empty", "", "", ErrNotBearer},
	{"non-ASCII fold of the scheme", "BEARER\u212a a", "", ErrNotBearer},
	{"scheme alone", "Bearer", "", ErrMalformed},
	{"spaces only", "Bearer    ", "", ErrMalformed},
	{"padding in the middle", "Bearer ab=c", "", ErrMalformed},
	{"padding alone", "Bearer ==", "", ErrMalformed},
	{"trailing space", "Bearer a.b.c ", "", ErrMalformed},
	{"second token", "Bearer a.b.c d.e.f", "", ErrMalformed},
	{"header injection", "Bearer a\r\nX-Admin: 1", "", ErrMalformed},
	{"NUL", "Bearer a\x00b", "", ErrMalformed},
	{"quoted", `Bearer "a.b.c"`, "", ErrMalformed},
	{"at the limit", "Bearer " + strings.Repeat("a", 16), strings.Repeat("a", 16), nil},
	{"over the limit", "Bearer " + strings.Repeat("a", 17), "", ErrTooLong},
	{"over the limit and malformed", "Bearer " + strings.Repeat("%", 17), "", ErrTooLong},
}

func TestParse(t *testing.T) {
	for _, tt := range parseCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.value, 16)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("Parse(%q) = %q, %v; want %q, %v", tt.value, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	for _, v := range []string{"Bearer a.b.c", "Basic x", "Bearer %"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = Parse(v, 64) }); n != 0 {
			t.Fatalf("Parse(%q) allocates %v times", v, n)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range parseCases {
		f.Add(tt.value)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, err := Parse(v, 64)
		if err != nil {
			if tok != "" {
				t.Fatalf("Parse(%q) returned %q with %v", v, tok, err)
			}
			if err != ErrNotBearer && err != ErrMalformed && err != ErrTooLong {
				t.Fatalf("Parse(%q): unexpected error %v", v, err)
			}
			return
		}
		if tok == "" || len(tok) > 64 || !strings.HasSuffix(v, tok) || !IsB64Token(tok) {
			t.Fatalf("Parse(%q) = %q", v, tok)
		}
		if !strings.EqualFold(v[:6], "bearer") || strings.TrimLeft(v[6:], " ") != tok || v[6] != ' ' {
			t.Fatalf("Parse(%q) = %q: not the value after the scheme", v, tok)
		}
	})
}

// FuzzSplit holds Split to Parse: the same token when Parse takes the
// value, the same error when Parse refuses it for anything but the
// token's characters, and, when only the characters are wrong, a token
// IsB64Token refuses.
func FuzzSplit(f *testing.F) {
	for _, tt := range parseCases {
		f.Add(tt.value, 64)
	}
	f.Add("Bearer a\nb", 64)
	f.Add("bearer   ey!.x", 3)
	f.Add("Bearer ", -1)
	f.Fuzz(func(t *testing.T, v string, max int) {
		ptok, perr := Parse(v, max)
		stok, serr := Split(v, max)
		switch {
		case perr == nil:
			if serr != nil || stok != ptok {
				t.Fatalf("Split(%q) = %q, %v; Parse took %q", v, stok, serr, ptok)
			}
		case serr == nil:
			if perr != ErrMalformed || IsB64Token(stok) || stok == "" {
				t.Fatalf("Split(%q) took %q; Parse refused with %v", v, stok, perr)
			}
		case serr != perr:
			t.Fatalf("Split(%q): %v; Parse: %v", v, serr, perr)
		}
	})
}

// TestB64TokenTable checks every byte against the grammar of RFC 6750
// section 2.1, written out as the RFC does.
func TestB64TokenTable(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("-._~+/", b) >= 0
		if (notB64token[b] == 0) != want {
			t.Errorf("byte %#x: in b64token = %v, want %v", b, notB64token[b] == 0, want)
		}
		// At each position of the eight-byte blocks and of the tail;
		// padding only at the end.
		for n := 0; n < 20; n++ {
			s := strings.Repeat("a", n) + string(b) + strings.Repeat("a", 19-n)
			if got := IsB64Token(s); got != (want || b == '=' && n == 19) {
				t.Errorf("IsB64Token(%q) = %v", s, got)
			}
		}
	}
}
