package scan

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/rampart-api/rampart/internal/lazyregexp"
)

// fingerprint is the shape of one answer: enough to tell another answer
// is the same page without comparing bytes that embed the path.
type fingerprint struct {
	// method is the request method, with "~" appended for a malformed
	// probe: a global body parser answers those the same on every path.
	method string
	status int
	ctype  string
	words  map[string]bool
	length int
}

// baseline holds the answers to paths that cannot exist, per method, and
// what the case variants of known paths showed. Findings whose answer
// matches it describe the catch-all, not the operation. It is written
// before any check runs and only read afterwards.
type baseline struct {
	mu              sync.Mutex
	absent          []fingerprint
	caseInsensitive bool
}

var (
	wordRe = lazyregexp.New(`[A-Za-z0-9_]+`)
	digits = strings.NewReplacer("1", "0", "2", "0", "3", "0", "4", "0", "5", "0", "6", "0", "7", "0", "8", "0", "9", "0")
)

// fingerprintOf builds a fingerprint, leaving out the request's own path
// and its segments, which error pages quote.
func fingerprintOf(ex *exchange) fingerprint {
	body := ex.Body
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	drop := map[string]bool{}
	path, _, _ := strings.Cut(ex.probe.Path, "?")
	for _, seg := range wordRe.FindAllString(path, -1) {
		drop[strings.ToLower(seg)] = true
	}
	drop[strings.ToLower(ex.probe.Method)] = true
	words := map[string]bool{}
	for _, w := range wordRe.FindAll(body, 4096) {
		lw := strings.ToLower(string(w))
		if !drop[lw] && !isNumber(lw) {
			// Ids and times inside words (a1b2, order_17) never tell two
			// pages apart.
			words[digits.Replace(lw)] = true
		}
	}
	method := ex.probe.Method
	if ex.probe.malformed {
		method += "~"
	}
	return fingerprint{method: method, status: ex.Status, ctype: ex.contentType(), words: words, length: len(ex.Body) - bytes.Count(ex.Body, []byte(path))*len(path)}
}

func isNumber(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// same reports whether two fingerprints are the same page: same status
// and type, lengths within a tenth (plus the path) and nearly the same
// words.
func (a fingerprint) same(b fingerprint) bool {
	if a.status != b.status || a.ctype != b.ctype {
		return false
	}
	lo, hi := min(a.length, b.length), max(a.length, b.length)
	if hi-lo > hi/10+16 {
		return false
	}
	if len(a.words) == 0 && len(b.words) == 0 {
		return true
	}
	inter := 0
	for w := range a.words {
		if b.words[w] {
			inter++
		}
	}
	union := len(a.words) + len(b.words) - inter
	return float64(inter)/float64(union) >= 0.85
}

// matches reports whether ex is the answer every absent path gets for
// its method (GET's when the method was not fingerprinted).
func (b *baseline) matches(ex *exchange) bool { return b.match(ex) != nil }

// match returns the absent-path answer ex matches, or nil. A malformed
// probe is compared with the malformed probe of its method when there is
// one, else with the plain answers.
func (b *baseline) match(ex *exchange) *fingerprint {
	if ex == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.absent) == 0 {
		return nil
	}
	fp := fingerprintOf(ex)
	method := fp.method
	if !b.has(method) {
		method = strings.TrimSuffix(method, "~")
	}
	if !b.has(method) {
		method = http.MethodGet
	}
	for i, a := range b.absent {
		if a.method == method && a.same(fp) {
			return &b.absent[i]
		}
	}
	return nil
}

// plain reports whether the malformed probe's answer m is also what a
// well-formed request to an absent path gets: then it is the catch-all,
// not a reaction to malformed input.
func (b *baseline) plain(m *fingerprint) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	method := strings.TrimSuffix(m.method, "~")
	for _, a := range b.absent {
		if a.method == method && a.same(*m) {
			return true
		}
	}
	return false
}

func (b *baseline) has(method string) bool {
	for _, a := range b.absent {
		if a.method == method {
			return true
		}
	}
	return false
}

// describe says what the baseline showed, for the report.
func (b *baseline) describe() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, a := range b.absent {
		if strings.HasSuffix(a.method, "~") || a.status == http.StatusNotFound || a.status == http.StatusMethodNotAllowed || a.status == 501 {
			continue
		}
		kind := "catch-all"
		switch {
		case a.status >= 200 && a.status < 300:
			kind = "catch-all page (a single-page app's shell?)"
		case a.status >= 500:
			kind = "catch-all error"
		}
		s := fmt.Sprintf("%s: paths that cannot exist answer %s %d", a.method, kind, a.status)
		if a.ctype != "" {
			s += " " + a.ctype
		}
		s += "; findings matching this answer were dropped"
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if b.caseInsensitive {
		out = append(out, "routes are case-insensitive: case variants of a path were folded into one operation")
	}
	return out
}

// takeBaseline asks for paths that cannot exist, per method, before any
// check runs: a single-page app's shell, a 500 "unexpected path" or a
// login page answered to everything then never counts as a finding.
// POST probes carry an empty object to a path that cannot exist, so they
// are harmless; the body is well-formed so that a global body parser's
// answer to malformed JSON is never mistaken for the catch-all.
func (r *run) takeBaseline(ctx context.Context) {
	n := randomSuffix()
	probes := []*probe{
		{Method: http.MethodGet, Path: "/rampart-absent-" + n},
		{Method: http.MethodGet, Path: "/api/rampart-absent-" + n + "/x"},
		{Method: http.MethodPost, Path: "/rampart-absent-" + n, Body: []byte("{}"), Harmless: true},
		{Method: http.MethodPost, Path: "/api/rampart-absent-" + n, Body: []byte("{}"), Harmless: true},
		malformedJSON(http.MethodPost, "/api/rampart-absent-"+n, ""),
		{Method: "RAMPARTSCAN", Path: "/api/rampart-absent-" + n},
	}
	for _, p := range probes {
		p.Op = p.Method + " (absent path)"
		ex, err := r.send(ctx, p)
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		r.base.mu.Lock()
		r.base.absent = append(r.base.absent, fingerprintOf(ex))
		r.base.mu.Unlock()
	}
}

// flipCase swaps the case of the letters in a path's last segment.
func flipCase(p string) string {
	i := strings.LastIndexByte(p, '/')
	b := []byte(p)
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c >= 'a' && c <= 'z':
			b[j] = c - 32
		case c >= 'A' && c <= 'Z':
			b[j] = c + 32
		}
	}
	return string(b)
}

// caseVariants asks for known paths with their last segment's case
// flipped: the same answer means the router ignores case, so twins like
// /api/users and /api/Users are one operation.
func (r *run) caseVariants(ctx context.Context) {
	tried := 0
	for _, o := range r.ops {
		if tried >= 2 || o.Method != http.MethodGet || len(o.Params) > 0 || flipCase(o.Path) == o.Path {
			continue
		}
		orig, err := r.send(ctx, &probe{Method: http.MethodGet, Path: o.Path, Op: o.String(), As: r.anyID()})
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		if orig.Status == http.StatusNotFound || r.base.matches(orig) {
			continue
		}
		tried++
		v, err := r.send(ctx, &probe{Method: http.MethodGet, Path: flipCase(o.Path), Op: o.String(), As: r.anyID()})
		if err != nil {
			continue
		}
		if !r.base.matches(v) && fingerprintOf(orig).same(fingerprintOf(v)) {
			r.base.mu.Lock()
			r.base.caseInsensitive = true
			r.base.mu.Unlock()
			return
		}
	}
}
