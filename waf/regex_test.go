package waf

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental/plugins"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"rsc.io/binaryregexp"
)

// captureTx is the part of a transaction an operator uses.
type captureTx struct {
	plugintypes.TransactionState
	capturing bool
	got       map[int]string
}

func (t *captureTx) Capturing() bool { return t.capturing }

func (t *captureTx) CaptureField(i int, v string) { t.got[i] = v }

// goRX is what Coraza's own @rx computes (with its prefilter off, as we
// run it): Go's regexp under (?sm), binaryregexp for byte patterns.
type goRX struct {
	match func(string) bool
	find  func(string) []string
}

func newGoRX(opts plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	if matchesArbitraryBytes("(?sm)" + opts.Arguments) {
		re, err := binaryregexp.Compile(opts.Arguments)
		if err != nil {
			return nil, err
		}
		return &goRX{re.MatchString, re.FindStringSubmatch}, nil
	}
	re, err := regexp.Compile("(?sm)" + opts.Arguments)
	if err != nil {
		return nil, err
	}
	return &goRX{re.MatchString, re.FindStringSubmatch}, nil
}

func (o *goRX) Evaluate(tx plugintypes.TransactionState, v string) bool {
	if !tx.Capturing() {
		return o.match(v)
	}
	m := o.find(v)
	for i := 0; i < len(m) && i < 9; i++ {
		tx.CaptureField(i, m[i])
	}
	return m != nil
}

// TestRXAgreesWithGo checks that the RE2 operator matches and captures
// what Go's regexp does, including on input that is not UTF-8, where RE2
// alone would let a stray byte hide a payload.
func TestRXAgreesWithGo(t *testing.T) {
	patterns := []string{
		`(?i)<script[^>]*>`,
		`a.b`,
		`^(\d+)-(\d+)?$`,
		`(?i)(?:union\s+(all\s+)?select)`,
		`(foo)|(bar)`,
		`^[\x00-\x7f]*$`,
		`\xff\xfe`, // bytes, not text: binaryregexp
		`(?i)ſelect`,
		`(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)`,
		`[^a-z]`,
		`$`,
	}
	inputs := []string{
		"", "a", "<script>", "<SCRIPT src=x>", "<script \xff>alert(1)</script>", "a\xffb", "axb",
		"a\nb", "12-34", "12-", "1 union all select 2", "UNION\tSELECT", "foo", "bar",
		"\xff\xfe", "plain ascii", "é", "\x80", "select", "SELECT", "ſelect", "abcdefghijk",
		"line1\nline2", strings.Repeat("a", 300) + "\xff<script>",
	}
	for _, p := range patterns {
		ours, err := newRX(plugintypes.OperatorOptions{Arguments: p})
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		ref, err := newGoRX(plugintypes.OperatorOptions{Arguments: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range inputs {
			for _, capturing := range []bool{false, true} {
				a := &captureTx{capturing: capturing, got: map[int]string{}}
				b := &captureTx{capturing: capturing, got: map[int]string{}}
				ma, mb := ours.Evaluate(a, in), ref.Evaluate(b, in)
				if ma != mb {
					t.Errorf("%q on %q (capturing %v): RE2 operator says %v, Go says %v", p, in, capturing, ma, mb)
				}
				if capturing && !mapsEqual(a.got, b.got) {
					t.Errorf("%q on %q: captured %v, Go captured %v", p, in, a.got, b.got)
				}
			}
		}
	}
}

func mapsEqual(a, b map[int]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestMatchesArbitraryBytes(t *testing.T) {
	for expr, want := range map[string]bool{
		`abc`:                   false,
		`\x41\x42`:              false,
		`\xe2\x80\x98`:          false, // UTF-8 for a quotation mark
		`\xff`:                  true,
		`\x{ff}`:                true,
		`[\x80-\xff]`:           true,
		`\\xff`:                 true, // the escape is still read, as Coraza reads it
		`\x`:                    false,
		`(?sm)\xc2\xa0|\x{c2}x`: true,
	} {
		if got := matchesArbitraryBytes(expr); got != want {
			t.Errorf("matchesArbitraryBytes(%q) = %v, want %v", expr, got, want)
		}
	}
}

// TestCRSVerdictsAgreeWithGo runs the CRS with the RE2 operator and with
// Go's regexp over the same requests, attacks and random text alike, and
// requires the same decision and the same matched rules.
func TestCRSVerdictsAgreeWithGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CRS twice")
	}
	s, err := (&Config{}).validate()
	if err != nil {
		t.Fatal(err)
	}
	build := func() coraza.WAF {
		cw, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).WithDirectives(directives(s)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeCoraza(cw) })
		return cw
	}
	ours := build()
	// Operators are bound when rules are parsed: swap Go's in for one
	// build, then put ours back.
	plugins.RegisterOperator("rx", newGoRX)
	defer plugins.RegisterOperator("rx", newRX) // even when the build fails
	ref := build()

	rng := rand.New(rand.NewPCG(1, 2))
	values := []string{"' OR 1=1--", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "../../etc/passwd",
		"; cat /etc/passwd", "$(id)", "1 UNION SELECT a FROM b", "<script \xff>alert(1)</script>", "() { :; }; /bin/bash -c id",
		"O'Reilly", "spring tulips", "Grüße aus Köln", "{{7*7}}", "${jndi:ldap://x/a}", "<?php system('id'); ?>"}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\t\n\xff\xc3\xa9"
	for range 40 {
		b := make([]byte, 20+rng.IntN(200))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		values = append(values, string(b))
	}
	verdict := func(cw coraza.WAF, v string) (bool, []int) {
		fw := &Firewall{coraza: cw, s: s}
		tx := cw.NewTransaction()
		defer func() { _ = tx.Close() }()
		r := httptest.NewRequest(http.MethodGet, "/api/search?q="+url.QueryEscape(v)+"&page=2", nil)
		r.Header.Set("User-Agent", "Mozilla/5.0 "+strconv.Quote(v))
		got, err := fw.inspect(tx, r)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int
		for _, m := range tx.MatchedRules() {
			ids = append(ids, m.Rule().ID())
		}
		slices.Sort(ids)
		return got.blocked, ids
	}
	blocked := 0
	for _, v := range values {
		b1, ids1 := verdict(ours, v)
		b2, ids2 := verdict(ref, v)
		if b1 != b2 || !slices.Equal(ids1, ids2) {
			t.Errorf("%q: RE2 blocked=%v rules %v; Go blocked=%v rules %v", v, b1, ids1, b2, ids2)
		}
		if b1 {
			blocked++
		}
	}
	if blocked < 10 {
		t.Fatalf("only %d of %d requests blocked: the comparison saw too few detections", blocked, len(values))
	}
}
