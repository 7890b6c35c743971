package waf

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/corazawaf/coraza/v3/experimental/plugins"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	re2 "github.com/wasilibs/go-re2"
	"rsc.io/binaryregexp"
)

// Coraza's own @rx runs Go's regexp, which has no DFA: every CRS pattern
// is simulated state by state over every value it inspects, and that is
// most of the cost of a request with a body. RE2 decides "no match" with a
// DFA, which is what almost every evaluation of a clean request ends in.
// go-re2 runs RE2 compiled to Go (no cgo), so the build is unchanged.
//
// The operator keeps Coraza's semantics exactly:
//   - the pattern gets Coraza's (?sm) prefix, and a pattern with byte
//     escapes that are not UTF-8 uses rsc.io/binaryregexp without the
//     prefix, as Coraza does;
//   - RE2 does not match invalid UTF-8 where Go's regexp reads U+FFFD
//     ("a.b" fails on "a\xffb" in RE2 and matches in Go), so a value
//     that is not valid UTF-8 is matched by Go's regexp, compiled from
//     the same pattern: a stray byte cannot hide a payload from a rule;
//   - captures fill TX.0 to TX.8 as Coraza's operator does.
//
// Both compiled forms are memoized under the WAF's memoizer, like
// Coraza's, so WAFs with the same rules share them and Close releases
// them.

func init() {
	// Replacing an operator is process-wide: every Coraza WAF built after
	// this package is loaded uses it. Its results are those of Coraza's.
	plugins.RegisterOperator("rx", newRX)
}

// rx is the @rx operator.
type rx struct {
	re2 *re2.Regexp    // valid UTF-8 input
	std *regexp.Regexp // input that is not valid UTF-8
}

func newRX(opts plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	expr := "(?sm)" + opts.Arguments
	if matchesArbitraryBytes(expr) {
		return newBinaryRX(opts)
	}
	c, err := memoize(opts.Memoizer, "rampart.rx:"+expr, func() (any, error) {
		std, err := regexp.Compile(expr)
		if err != nil {
			return nil, err
		}
		fast, err := re2.Compile(expr)
		if err != nil {
			// A pattern Go accepts and RE2 refuses (none in the CRS) is
			// matched by Go alone.
			fast = nil
		}
		return &rx{re2: fast, std: std}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("compiling @rx %q: %w", opts.Arguments, err)
	}
	// The operator only reads its two expressions: rules with the same
	// pattern share one.
	return c.(*rx), nil
}

// matcher is what both engines offer.
type matcher interface {
	MatchString(string) bool
	FindStringSubmatchIndex(string) []int
}

func (o *rx) Evaluate(tx plugintypes.TransactionState, value string) bool {
	var m matcher = o.std
	if o.re2 != nil && utf8.ValidString(value) {
		m = o.re2
	}
	// Most evaluations of a clean request find no match. Asking for the
	// submatches costs RE2 a buffer and a second pass even then, so a
	// capturing rule asks whether there is a match first.
	if !m.MatchString(value) {
		return false
	}
	if !tx.Capturing() {
		return true
	}
	loc := m.FindStringSubmatchIndex(value)
	if loc == nil {
		return false
	}
	// Group 0 is the whole match; Coraza keeps TX.0 to TX.8. A group
	// that took no part in the match is captured as "".
	for i := 0; i < len(loc)/2 && i < 9; i++ {
		if loc[2*i] >= 0 {
			tx.CaptureField(i, value[loc[2*i]:loc[2*i+1]])
		} else {
			tx.CaptureField(i, "")
		}
	}
	return true
}

// binaryRX matches patterns written for bytes rather than text.
type binaryRX struct{ re *binaryregexp.Regexp }

func newBinaryRX(opts plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	re, err := memoize(opts.Memoizer, "rampart.rx.binary:"+opts.Arguments, func() (any, error) {
		return binaryregexp.Compile(opts.Arguments)
	})
	if err != nil {
		return nil, fmt.Errorf("compiling @rx %q: %w", opts.Arguments, err)
	}
	return &binaryRX{re: re.(*binaryregexp.Regexp)}, nil
}

func (o *binaryRX) Evaluate(tx plugintypes.TransactionState, value string) bool {
	if !tx.Capturing() {
		return o.re.MatchString(value)
	}
	match := o.re.FindStringSubmatch(value)
	if match == nil {
		return false
	}
	for i := 0; i < len(match) && i < 9; i++ {
		tx.CaptureField(i, match[i])
	}
	return true
}

func memoize(m plugintypes.Memoizer, key string, fn func() (any, error)) (any, error) {
	if m == nil {
		return fn()
	}
	return m.Do(key, fn)
}

// matchesArbitraryBytes reports whether expr, with its \xHH and \x{HH}
// escapes decoded, is not valid UTF-8: such a pattern matches bytes, not
// text. It is the test Coraza's @rx makes.
func matchesArbitraryBytes(expr string) bool {
	decoded := make([]byte, 0, len(expr))
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c != '\\':
			decoded = append(decoded, c)
			continue
		case i+3 >= len(expr):
			decoded = append(decoded, expr[i:]...)
			return !utf8.Valid(decoded)
		case expr[i+1] != 'x':
			decoded = append(decoded, c)
			continue
		}
		sub, advance := expr[i:], 3
		if len(sub) >= 6 && sub[2] == '{' {
			if end := strings.IndexByte(sub, '}'); end != -1 {
				sub, advance = `\x`+sub[3:end], end
			}
		}
		v, multibyte, _, err := strconv.UnquoteChar(sub, 0)
		if err != nil || multibyte {
			decoded = append(decoded, c)
			continue
		}
		decoded = append(decoded, byte(v))
		i += advance
	}
	return !utf8.Valid(decoded)
}
