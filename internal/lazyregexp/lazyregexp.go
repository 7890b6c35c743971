// Package lazyregexp is a regular expression compiled on first use.
//
// A package-level regexp.MustCompile runs at program start in every
// binary that links the package, and its compiled program stays in the
// heap for good: every garbage collection marks it. The gateway links the
// scanner and the audit redactor, whose patterns it may never use while
// serving, so their patterns wait here until a match first needs them.
// Each pattern is still compiled once per process, never per call.
//
//	var uuidRe = lazyregexp.New(`^[0-9a-f]{8}-…$`)
//	…
//	if uuidRe.MatchString(s) { … }
//
// The idea is cmd/go's internal/lazyregexp. A [Regexp] is safe for
// concurrent use, like a *regexp.Regexp. The pattern must be a string
// literal: a bad one would panic at first use instead of at start, so
// this package's tests find every New call in the module and compile its
// pattern.
package lazyregexp

import (
	"regexp"
	"sync"
)

// Regexp is a *regexp.Regexp compiled by the first method call.
type Regexp struct {
	expr string
	once sync.Once
	rx   *regexp.Regexp
}

// New returns expr, to be compiled on first use. Like
// regexp.MustCompile, it is for literals: a pattern that does not compile
// panics at first use.
func New(expr string) *Regexp {
	return &Regexp{expr: expr}
}

// Regexp returns the compiled expression, compiling it on the first call.
func (r *Regexp) Regexp() *regexp.Regexp {
	r.once.Do(r.compile)
	return r.rx
}

func (r *Regexp) compile() {
	r.rx = regexp.MustCompile(r.expr)
}

// String returns the source text of the expression, without compiling it.
func (r *Regexp) String() string { return r.expr }

// Match is [regexp.Regexp.Match].
func (r *Regexp) Match(b []byte) bool { return r.Regexp().Match(b) }

// MatchString is [regexp.Regexp.MatchString].
func (r *Regexp) MatchString(s string) bool { return r.Regexp().MatchString(s) }

// Find is [regexp.Regexp.Find].
func (r *Regexp) Find(b []byte) []byte { return r.Regexp().Find(b) }

// FindAll is [regexp.Regexp.FindAll].
func (r *Regexp) FindAll(b []byte, n int) [][]byte { return r.Regexp().FindAll(b, n) }

// FindAllString is [regexp.Regexp.FindAllString].
func (r *Regexp) FindAllString(s string, n int) []string { return r.Regexp().FindAllString(s, n) }

// FindAllSubmatch is [regexp.Regexp.FindAllSubmatch].
func (r *Regexp) FindAllSubmatch(b []byte, n int) [][][]byte {
	return r.Regexp().FindAllSubmatch(b, n)
}

// FindStringSubmatch is [regexp.Regexp.FindStringSubmatch].
func (r *Regexp) FindStringSubmatch(s string) []string { return r.Regexp().FindStringSubmatch(s) }

// FindStringSubmatchIndex is [regexp.Regexp.FindStringSubmatchIndex].
func (r *Regexp) FindStringSubmatchIndex(s string) []int {
	return r.Regexp().FindStringSubmatchIndex(s)
}

// ReplaceAllString is [regexp.Regexp.ReplaceAllString].
func (r *Regexp) ReplaceAllString(src, repl string) string {
	return r.Regexp().ReplaceAllString(src, repl)
}

// ReplaceAllStringFunc is [regexp.Regexp.ReplaceAllStringFunc].
func (r *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return r.Regexp().ReplaceAllStringFunc(src, repl)
}

// Split is [regexp.Regexp.Split].
func (r *Regexp) Split(s string, n int) []string { return r.Regexp().Split(s, n) }
