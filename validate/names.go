package validate

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// nameIndex holds what the walk and the stream pass read of a
// document's names, computed once by New: the compiled patternProperties
// of every schema that has any (run, never compiled, per request) and the
// folded names (see [foldRune]) of every schema's properties, so that a
// name's case variants are found with one lookup.
type nameIndex struct {
	patterns map[*openapi3.Schema][]namePattern
	folded   map[*openapi3.Schema]map[string]bool
}

// namePattern is one patternProperties entry; re is nil for a pattern
// that does not compile.
type namePattern struct {
	source string
	re     *regexp.Regexp
	schema *openapi3.Schema
}

// PatternError reports a patternProperties pattern that does not compile
// as a Go (RE2) regular expression: the filter could not tell which names
// it declares, so the document is refused rather than filtered by a guess.
// It wraps [ErrDocument] and the compiler's error.
type PatternError struct {
	Pointer string // the schema's JSON pointer in the document
	Pattern string
	Err     error
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("%s: patternProperties %q at %s does not compile: %v", ErrDocument, e.Pattern, e.Pointer, e.Err)
}

// Unwrap returns [ErrDocument] and Err.
func (e *PatternError) Unwrap() []error { return []error{ErrDocument, e.Err} }

// compilePatterns compiles the patternProperties of every schema of doc,
// each pattern once per schema, in the order of their text. JSON Schema
// patterns are ECMA-262 and unanchored; RE2 reads the common subset the
// same way once [ecmaToRE2] has respelled its escapes, and refuses
// lookaround and backreferences, which it cannot match. A pattern that
// does not compile is an error where an operation's schemas reach it; in
// a component no operation uses, it is kept without a compiled form, and
// the schema that holds it admits no name its properties do not (see
// [lookup.visit]), should anything reach it after all.
func compilePatterns(doc *openapi3.T) (*nameIndex, error) {
	idx := &nameIndex{patterns: map[*openapi3.Schema][]namePattern{}, folded: map[*openapi3.Schema]map[string]bool{}}
	used := map[*openapi3.Schema]bool{}
	// Paths alone: the walk follows every $ref they hold into components.
	_ = (&openapi3.T{Paths: doc.Paths}).WalkSchemas(func(_ string, ref *openapi3.SchemaRef) error {
		used[ref.Value] = true
		return nil
	})
	var errs []error
	err := doc.WalkSchemas(func(pointer string, ref *openapi3.SchemaRef) error {
		s := ref.Value
		if s == nil {
			return nil
		}
		if len(s.Properties) != 0 && idx.folded[s] == nil {
			folded := make(map[string]bool, len(s.Properties))
			for name := range s.Properties {
				folded[string(appendFoldString(nil, name))] = true
			}
			idx.folded[s] = folded
		}
		if len(s.PatternProperties) == 0 {
			return nil
		}
		list := make([]namePattern, 0, len(s.PatternProperties))
		for source, sub := range s.PatternProperties {
			re, err := regexp.Compile(ecmaToRE2(source))
			if err != nil && used[s] {
				errs = append(errs, &PatternError{Pointer: pointer, Pattern: source, Err: err})
				continue
			}
			p := namePattern{source: source, re: re}
			if sub != nil {
				p.schema = sub.Value
			}
			list = append(list, p)
		}
		slices.SortFunc(list, func(a, b namePattern) int { return cmp.Compare(a.source, b.source) })
		idx.patterns[s] = list
		return nil
	})
	if err != nil {
		errs = append(errs, &DocumentError{Reason: "walking schemas: " + err.Error(), Err: err})
	}
	// The index is whole but for the patterns that did not compile.
	return idx, errors.Join(errs...)
}

// ecmaToRE2 rewrites the ECMA-262 escapes RE2 spells otherwise: \uXXXX
// becomes \x{XXXX} and \cX the control character it names. Anything else
// is left to the compiler, which refuses what it cannot read.
func ecmaToRE2(p string) string {
	if !strings.Contains(p, `\u`) && !strings.Contains(p, `\c`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '\\' || i+1 >= len(p) {
			b.WriteByte(c)
			continue
		}
		switch next := p[i+1]; {
		case next == 'u' && i+6 <= len(p) && isHex(p[i+2:i+6]):
			b.WriteString(`\x{`)
			b.WriteString(p[i+2 : i+6])
			b.WriteByte('}')
			i += 5
		case next == 'c' && i+2 < len(p) && isASCIILetter(p[i+2]):
			fmt.Fprintf(&b, `\x{%02X}`, p[i+2]%32)
			i += 2
		default:
			// The escape and the escaped byte stay together, so an
			// escaped backslash is not read as the start of another.
			b.WriteByte(c)
			b.WriteByte(next)
			i++
		}
	}
	return b.String()
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// foldRune maps r to the representative of its case class: the least
// rune of the simple folding orbit (what strings.EqualFold and
// encoding/json join: K, k and the Kelvin sign; s and the long s) of its
// upper case's lower case (which also joins what upper-casing alone
// joins: the dotless ı, which .NET's and Java's case-insensitive matching
// read as I), ASCII letters lower-cased.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	r = unicode.ToLower(unicode.ToUpper(r))
	least := r
	for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
		least = min(least, o)
	}
	if 'A' <= least && least <= 'Z' {
		least += 'a' - 'A'
	}
	return least
}

// foldEqual reports whether a and b are equal under [foldRune]; it is
// appendFold(a) == appendFold(b), without building either.
func foldEqual(a, b string) bool {
	for a != "" && b != "" {
		var ra, rb rune
		if a[0] < utf8.RuneSelf {
			ra, a = rune(a[0]), a[1:]
		} else {
			r, n := utf8.DecodeRuneInString(a)
			ra, a = r, a[n:]
		}
		if b[0] < utf8.RuneSelf {
			rb, b = rune(b[0]), b[1:]
		} else {
			r, n := utf8.DecodeRuneInString(b)
			rb, b = r, b[n:]
		}
		if ra != rb && foldRune(ra) != foldRune(rb) {
			return false
		}
	}
	return a == "" && b == ""
}

// appendFoldString is [appendFold] for a name held as a string.
func appendFoldString(dst []byte, name string) []byte {
	for _, r := range name {
		dst = utf8.AppendRune(dst, foldRune(r))
	}
	return dst
}

// appendFold appends name with every rune replaced by [foldRune]'s.
func appendFold(dst, name []byte) []byte {
	// Ranging over the conversion does not copy name.
	for _, r := range string(name) {
		dst = utf8.AppendRune(dst, foldRune(r))
	}
	return dst
}
