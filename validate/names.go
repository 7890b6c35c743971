package validate

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// namePatterns holds the compiled patternProperties of every schema of a
// document that has any, compiled once by New: the walk and the stream
// pass run them, never compile them.
type namePatterns map[*openapi3.Schema][]namePattern

// namePattern is one patternProperties entry.
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
// same way and refuses lookaround and backreferences, which it cannot
// match.
func compilePatterns(doc *openapi3.T) (namePatterns, error) {
	pats := namePatterns{}
	var errs []error
	err := doc.WalkSchemas(func(pointer string, ref *openapi3.SchemaRef) error {
		s := ref.Value
		if len(s.PatternProperties) == 0 {
			return nil
		}
		list := make([]namePattern, 0, len(s.PatternProperties))
		for source, sub := range s.PatternProperties {
			re, err := regexp.Compile(source)
			if err != nil {
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
		pats[s] = list
		return nil
	})
	if err != nil {
		errs = append(errs, &DocumentError{Reason: "walking schemas: " + err.Error(), Err: err})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return pats, nil
}

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

// appendFold appends name with every rune replaced by [foldRune]'s.
func appendFold(dst, name []byte) []byte {
	for len(name) > 0 {
		if c := name[0]; c < utf8.RuneSelf {
			dst = append(dst, byte(foldRune(rune(c))))
			name = name[1:]
			continue
		}
		r, n := utf8.DecodeRune(name)
		dst = utf8.AppendRune(dst, foldRune(r))
		name = name[n:]
	}
	return dst
}
