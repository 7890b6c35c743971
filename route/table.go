package route

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rampart-api/rampart"
)

// Matching errors.
var (
	ErrNotFound = errors.New("route: no route")
	// ErrAmbiguousCase means the path matched one route exactly but a
	// different one when case is ignored. Upstreams that ignore case
	// (Express does by default) would serve the other route's handler, so
	// the request is refused.
	ErrAmbiguousCase = errors.New("route: path matches another route when case is ignored")
	ErrBadPattern    = errors.New("route: invalid pattern")
	ErrDuplicate     = errors.New("route: duplicate route")
)

// MethodNotAllowedError is returned when the path matches but the method
// does not. Allow is ready for the Allow header.
type MethodNotAllowedError struct{ Allow string }

// Error returns a fixed message; Allow carries the details.
func (e *MethodNotAllowedError) Error() string { return "route: method not allowed" }

// Spec is one route to compile.
type Spec struct {
	// Pattern is the route's path pattern, such as "/api/notes/{id}" or
	// "/static/*" (see the package documentation).
	Pattern string
	// Methods lists the allowed methods; "*" allows any. Empty means GET.
	// GET always brings HEAD with it.
	Methods []string
}

// Options tune matching.
type Options struct {
	// CaseInsensitive matches literal segments ignoring ASCII case.
	CaseInsensitive bool
}

// Table is a compiled, immutable route table, safe for concurrent use.
type Table struct {
	root   *node
	folded *node // lower-cased copy for the ambiguity check; nil when CaseInsensitive
	fold   bool
	// foldAll is set when a literal segment has letters that fold: every
	// request, even an all-lower-case one, then gets the ambiguity check.
	foldAll bool
}

type node struct {
	static    map[string]*node
	param     *node
	wild      *node
	pattern   string
	foldShape string
	written   string // folded table only: the shape as first written
	endpoints []endpoint
	allow     string
	anyMethod int // index of a "*" endpoint, or -1
}

type endpoint struct {
	methods []string
	names   []string // parameter names in path order, "*" for a wildcard
	index   int
}

// NewTable compiles specs. Every problem is reported, joined; the errors
// wrap [ErrBadPattern] or [ErrDuplicate].
func NewTable(specs []Spec, opts Options) (*Table, error) {
	t := &Table{root: newNode(), fold: opts.CaseInsensitive}
	if !opts.CaseInsensitive {
		t.folded = newNode()
	}
	var errs []error
	for i, s := range specs {
		segs, err := parsePattern(s.Pattern)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w %q: %w", ErrBadPattern, s.Pattern, err))
			continue
		}
		methods := normalizeMethods(s.Methods)
		n := t.root.insert(segs, opts.CaseInsensitive)
		if err := n.add(s.Pattern, methods, i); err != nil {
			errs = append(errs, err)
			continue
		}
		if t.folded != nil {
			exact := shape(segs)
			if folds(exact) {
				t.foldAll = true
			}
			f := t.folded.insert(segs, true)
			switch {
			case f.pattern == "":
				f.pattern = strings.ToLower(exact)
				f.written = exact
				f.endpoints = []endpoint{{index: i}}
			case f.written != exact:
				errs = append(errs, fmt.Errorf("%w: %s differs from %s only in letter case", ErrDuplicate, s.Pattern, f.written))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	t.root.finish()
	return t, nil
}

func newNode() *node { return &node{anyMethod: -1} }

func normalizeMethods(ms []string) []string {
	if len(ms) == 0 {
		ms = []string{http.MethodGet}
	}
	out := make([]string, 0, len(ms)+1)
	for _, m := range ms {
		m = strings.ToUpper(strings.TrimSpace(m))
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	if slices.Contains(out, http.MethodGet) && !slices.Contains(out, http.MethodHead) {
		out = append(out, http.MethodHead)
	}
	return out
}

// ValidMethod reports whether m is a method token a route may list.
func ValidMethod(m string) bool {
	if m == "*" {
		return true
	}
	if m == "" || len(m) > 32 {
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func parsePattern(p string) ([]string, error) {
	if p == "" || p[0] != '/' {
		return nil, errors.New("must start with /")
	}
	segs := strings.Split(p[1:], "/")
	seen := map[string]bool{}
	for i, s := range segs {
		switch {
		case s == "*":
			if i != len(segs)-1 {
				return nil, errors.New("* is allowed only as the last segment")
			}
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			name := s[1 : len(s)-1]
			if !validName(name) {
				return nil, fmt.Errorf("bad parameter name %q", name)
			}
			if seen[name] {
				return nil, fmt.Errorf("parameter %q appears twice", name)
			}
			seen[name] = true
		case s == "." || s == "..":
			return nil, errors.New("dot segments are not allowed")
		case s == "" && i != len(segs)-1:
			return nil, errors.New("empty segment")
		case strings.ContainsAny(s, "{}*%\\;?#"):
			return nil, fmt.Errorf("segment %q has a reserved character", s)
		default:
			for _, r := range s {
				if r < 0x21 || r == 0x7f {
					return nil, fmt.Errorf("segment %q has a control or space character", s)
				}
			}
		}
	}
	return segs, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// shape is the pattern with parameter names erased, so that /a/{x} and
// /a/{y} are recognised as the same route.
func shape(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		if strings.HasPrefix(s, "{") {
			b.WriteString("{}")
		} else {
			b.WriteString(s)
		}
	}
	return b.String()
}

func (n *node) insert(segs []string, fold bool) *node {
	for _, s := range segs {
		switch {
		case s == "*":
			if n.wild == nil {
				n.wild = newNode()
			}
			n = n.wild
		case strings.HasPrefix(s, "{"):
			if n.param == nil {
				n.param = newNode()
			}
			n = n.param
		default:
			if fold {
				s = strings.ToLower(s)
			}
			if n.static == nil {
				n.static = map[string]*node{}
			}
			c := n.static[s]
			if c == nil {
				c = newNode()
				n.static[s] = c
			}
			n = c
		}
	}
	return n
}

func (n *node) add(pattern string, methods []string, index int) error {
	for _, e := range n.endpoints {
		for _, m := range methods {
			if m == "*" || slices.Contains(e.methods, m) || slices.Contains(e.methods, "*") {
				return fmt.Errorf("%w: %s %s overlaps %s", ErrDuplicate, strings.Join(methods, ","), pattern, n.pattern)
			}
		}
	}
	if n.pattern == "" {
		n.pattern = pattern
		segs, _ := parsePattern(pattern)
		n.foldShape = strings.ToLower(shape(segs))
	}
	if slices.Contains(methods, "*") {
		n.anyMethod = index
	}
	segs, _ := parsePattern(pattern)
	var names []string
	for _, s := range segs {
		if s == "*" {
			names = append(names, "*")
		} else if strings.HasPrefix(s, "{") {
			names = append(names, s[1:len(s)-1])
		}
	}
	n.endpoints = append(n.endpoints, endpoint{methods: methods, names: names, index: index})
	return nil
}

func (n *node) finish() {
	if len(n.endpoints) > 0 && n.anyMethod < 0 {
		var all []string
		for _, e := range n.endpoints {
			all = append(all, e.methods...)
		}
		slices.Sort(all)
		n.allow = strings.Join(all, ", ")
	}
	for _, c := range n.static {
		c.finish()
	}
	for _, c := range []*node{n.param, n.wild} {
		if c != nil {
			c.finish()
		}
	}
}

// Match returns the index of the spec matching method and the decoded,
// normalised path (see [Normalize]), appending path parameters to params.
// A trailing "*" is reported as the parameter "*". It does not allocate
// when params has room and the path needs no case folding.
func (t *Table) Match(method, path string, params []rampart.Param) (int, []rampart.Param, error) {
	if path == "" || path[0] != '/' {
		return -1, params, ErrNotFound
	}
	upper := folds(path)
	key := path
	if upper && (t.fold || t.folded != nil) {
		key = strings.ToLower(path)
	}
	src := path
	if t.fold && len(key) != len(path) {
		src = key // non-ASCII case change; parameters stay folded
	}
	base := len(params)
	var n *node
	if t.fold {
		n, params = t.root.lookup(key[1:], src[1:], false, params)
	} else {
		n, params = t.root.lookup(path[1:], path[1:], false, params)
	}
	if n == nil {
		return -1, params[:base], ErrNotFound
	}
	if t.folded != nil && (upper || t.foldAll) {
		if f, _ := t.folded.lookup(key[1:], key[1:], false, nil); f != nil && f.pattern != n.foldShape {
			return -1, params[:base], ErrAmbiguousCase
		}
	}
	for _, e := range n.endpoints {
		if slices.Contains(e.methods, method) || slices.Contains(e.methods, "*") {
			for k, name := range e.names {
				params[base+k].Name = name
			}
			return e.index, params, nil
		}
	}
	return -1, params[:base], &MethodNotAllowedError{Allow: n.allow}
}

// lookup walks rest (the match key) and src (the same bytes in the
// client's case) together, so parameters keep the client's spelling.
func (n *node) lookup(rest, src string, end bool, params []rampart.Param) (*node, []rampart.Param) {
	if end {
		if len(n.endpoints) > 0 {
			return n, params
		}
		if n.wild != nil && len(n.wild.endpoints) > 0 {
			return n.wild, append(params, rampart.Param{Name: "*", Value: ""})
		}
		return nil, params
	}
	i := strings.IndexByte(rest, '/')
	seg, after, srcSeg, srcAfter, more := rest, "", src, "", false
	if i >= 0 {
		seg, after, srcSeg, srcAfter, more = rest[:i], rest[i+1:], src[:i], src[i+1:], true
	}
	if c := n.static[seg]; c != nil {
		if r, p := c.lookup(after, srcAfter, !more, params); r != nil {
			return r, p
		}
	}
	if n.param != nil && seg != "" {
		base := len(params)
		if r, p := n.param.lookup(after, srcAfter, !more, append(params, rampart.Param{Value: srcSeg})); r != nil {
			return r, p
		}
		params = params[:base]
	}
	if n.wild != nil && len(n.wild.endpoints) > 0 {
		return n.wild, append(params, rampart.Param{Name: "*", Value: src})
	}
	return nil, params
}

// folds reports whether s may change under case folding: it has an ASCII
// capital or any non-ASCII byte (upstreams fold Unicode letters too).
func folds(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}

// Shape returns the pattern with parameter names erased ("/a/{}/b"), the
// form under which two routes are the same route, or the reason the
// pattern is invalid.
func Shape(pattern string) (string, error) {
	segs, err := parsePattern(pattern)
	if err != nil {
		return "", err
	}
	return shape(segs), nil
}

// Methods returns the methods a route spec allows after defaults: GET when
// none are listed, HEAD whenever GET is.
func Methods(ms []string) []string { return normalizeMethods(ms) }
