package claims

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a claim path. They bound the work [Path.Lookup] does and the
// number of keys precomputed by [Parse]; real paths are far smaller.
const (
	MaxPathBytes    = 256
	MaxPathSegments = 16
)

// ErrInvalidPath is wrapped by every [PathError].
var ErrInvalidPath = errors.New("claims: invalid claim path")

// PathError reports a claim path that [Parse] refuses.
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("claims: invalid claim path %q: %s", e.Path, e.Reason)
}

func (e *PathError) Unwrap() error { return ErrInvalidPath }

// Path is a parsed claim path. The zero Path finds nothing. A Path is
// immutable and safe for concurrent use.
type Path struct {
	raw string
	// keys[i][j] is the map key made of segments i..j joined by dots, so
	// that Lookup never builds a string.
	keys [][]string
}

// Parse parses a claim path in one of two forms:
//
//   - dotted: a claim name, or dot-separated names walking nested JSON
//     objects ("data.role"). At each level the longest run of segments
//     present verbatim as a key wins, so "https://example.com/roles" finds
//     that namespaced claim without escaping.
//   - segments: a JSON array of strings, one exact key per level
//     (`["https://example.com/claims", "roles"]`). Dots inside a segment
//     are part of the key; nothing is split or joined. Use it when a
//     dotted path would be ambiguous.
//
// It refuses empty paths and empty segments, control characters, invalid
// UTF-8 and paths over [MaxPathBytes] bytes or [MaxPathSegments] segments,
// returning a [*PathError].
func Parse(s string) (Path, error) {
	if strings.HasPrefix(s, "[") {
		return parseSegments(s)
	}
	if err := validate(s); err != nil {
		return Path{}, err
	}
	segs := strings.Split(s, ".")
	keys := make([][]string, len(segs))
	for i := range segs {
		keys[i] = make([]string, len(segs)-i)
		for j := i; j < len(segs); j++ {
			keys[i][j-i] = strings.Join(segs[i:j+1], ".")
		}
	}
	return Path{raw: s, keys: keys}, nil
}

// Segments returns the path of exact keys segs, in the JSON array form
// [Parse] reads; Parse(Segments(segs...)) never splits a key on its dots.
func Segments(segs ...string) string {
	b, _ := json.Marshal(segs)
	return string(b)
}

func parseSegments(s string) (Path, error) {
	bad := func(reason string) (Path, error) { return Path{}, &PathError{Path: s, Reason: reason} }
	if len(s) > MaxPathBytes {
		return Path{}, &PathError{Path: s[:32] + "…", Reason: fmt.Sprintf("longer than %d bytes", MaxPathBytes)}
	}
	var segs []string
	if err := json.Unmarshal([]byte(s), &segs); err != nil {
		return bad("not a JSON array of strings")
	}
	switch {
	case len(segs) == 0:
		return bad("empty")
	case len(segs) > MaxPathSegments:
		return bad(fmt.Sprintf("more than %d segments", MaxPathSegments))
	}
	keys := make([][]string, len(segs))
	for i, seg := range segs {
		switch {
		case seg == "":
			return bad("empty segment")
		case !utf8.ValidString(seg):
			return bad("not valid UTF-8")
		case strings.IndexFunc(seg, unicode.IsControl) >= 0:
			return bad("contains a control character")
		}
		keys[i] = []string{seg}
	}
	return Path{raw: s, keys: keys}, nil
}

func validate(s string) error {
	bad := func(reason string) error { return &PathError{Path: s, Reason: reason} }
	switch {
	case s == "":
		return bad("empty")
	case len(s) > MaxPathBytes:
		return &PathError{Path: s[:32] + "…", Reason: fmt.Sprintf("longer than %d bytes", MaxPathBytes)}
	case !utf8.ValidString(s):
		return bad("not valid UTF-8")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return bad("contains a control character")
	case strings.Count(s, ".")+1 > MaxPathSegments:
		return bad(fmt.Sprintf("more than %d segments", MaxPathSegments))
	}
	for _, seg := range strings.Split(s, ".") {
		if seg == "" {
			return bad("empty segment")
		}
	}
	return nil
}

// String returns the path as it was parsed.
func (p Path) String() string { return p.raw }

// IsZero reports whether p is the zero Path.
func (p Path) IsZero() bool { return len(p.keys) == 0 }

// Lookup returns the value at p in claims. At each level the longest run of
// remaining segments present verbatim as a key wins; the walk continues into
// it only when it is a JSON object. There is no backtracking, so the result
// is deterministic and the cost bounded by [MaxPathSegments]². It trusts
// claims to be verified and never modifies them; it is safe for concurrent
// use.
func (p Path) Lookup(claims map[string]any) (any, bool) {
	cur := claims
	i := 0
	for cur != nil && i < len(p.keys) {
		row := p.keys[i]
		found := false
		for j := len(row) - 1; j >= 0; j-- {
			v, ok := cur[row[j]]
			if !ok {
				continue
			}
			next := i + j + 1
			if next == len(p.keys) {
				return v, true
			}
			m, isMap := v.(map[string]any)
			if !isMap {
				return nil, false
			}
			cur, i, found = m, next, true
			break
		}
		if !found {
			return nil, false
		}
	}
	return nil, false
}

// String converts a single claim value to a string: a string is itself;
// an integral JSON number is its canonical decimal form, so a numeric user
// id 42 is "42", never "4.2e+01" or "42.0". A [json.Number] keeps every
// digit of an integer of any size; a float64 (from a decoder without
// UseNumber) is accepted only up to 2^53, where it is still exact.
// Fractions, exponents, leading zeros, booleans, objects, arrays and nil
// yield false.
func String(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		if isInteger(string(v)) {
			return string(v), true
		}
	case float64:
		if v == math.Trunc(v) && math.Abs(v) <= 1<<53 {
			return strconv.FormatInt(int64(v), 10), true
		}
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	}
	return "", false
}

// isInteger reports whether s is a JSON integer in canonical form:
// -?(0|[1-9][0-9]*), not "-0".
func isInteger(s string) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || d[0] == '0' && (len(d) > 1 || len(s) > 1) {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// Strings converts a claim value to strings: a string is split on spaces
// (the OAuth 2.0 "scope" format, RFC 6749 section 3.3; a single role name
// yields itself), an integral number yields its decimal form (see
// [String]), an array yields its elements when every one is a string or an
// integral number. Anything else — fractions, booleans, objects, arrays
// holding one of those — yields nil, so a malformed claim grants nothing
// rather than part of something. Empty strings are dropped.
func Strings(v any) []string {
	switch v := v.(type) {
	case string:
		if f := strings.Fields(v); len(f) > 0 {
			return f
		}
		return nil
	case json.Number, float64, int, int64:
		if s, ok := String(v); ok {
			return []string{s}
		}
		return nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := String(e)
			if !ok {
				return nil
			}
			if s != "" {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []string:
		out := make([]string, 0, len(v))
		for _, s := range v {
			if s != "" {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil
}
