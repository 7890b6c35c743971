package validate

import (
	"bytes"
	"io"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-json-experiment/json/jsontext"
)

// Filtering a response decoded it into a tree of maps, walked the tree
// with [unsent] and, when nothing was found, sent the held bytes as
// they were: the tree was built only to learn that there was nothing to
// do. A shape is what that walk reads of one schema, computed once at
// load, and [shape.conforms] answers the same question from a stream of
// tokens without building anything. It only ever says yes where the walk
// over the decoded tree finds nothing; anything else (an undeclared
// property or a shape mismatch at any occurrence of a repeated name,
// invalid UTF-8, a syntax error) sends the response down the decoding
// path, which decides as it always has.

// shape is the outcome of [unsent]'s walk for every value that can
// stand where one schema applies.
type shape struct {
	// object and array: whether the schema's type admits them; scalar
	// and null: whether it admits a scalar other than null, and null.
	object, array, scalar, null bool
	// none: the schema is false, and admits no value.
	none bool
	// arrays: more than one schema says what an array's elements are,
	// which the stream pass does not follow.
	arrays bool
	// freeForm: see [freeForm]; an array without items is a mismatch
	// unless the schema is free-form.
	freeForm bool
	// prefix and items are the shapes of arrayItems (nil: nothing to
	// follow); tuple is set when the schema has a prefix and no items,
	// so that an object or array past the prefix is a mismatch.
	prefix []*shape
	items  *shape
	tuple  bool
	// names holds [property]'s answer for every name some properties
	// keyword reachable from the schema declares. folded holds those
	// names folded (see [foldRune]): a name found there but not in names
	// is refused. patterns holds every patternProperties pattern the
	// search reads, with the answer for a name only it matches; any
	// other name gets other.
	names    map[string]member
	folded   map[string]bool
	patterns []shapePattern
	other    member
}

// member is [property]'s answer for a name, less writeOnly properties
// (see [sendable]): whether it is allowed, and the shape its value is
// walked with (nil: nothing to follow). unsure: more than one schema
// applies to the value, which the stream pass does not follow; the body
// is left to the decoding path.
type member struct {
	allowed, unsure bool
	shape           *shape
}

// shapePattern is a pattern the lookup of a shape's names reads, with
// the answer for a name only it matches.
type shapePattern struct {
	p *namePattern
	m member
}

// shapes holds the compiled shapes of a document's schemas, each once; a
// recursive schema gets a recursive shape.
type shapes map[*openapi3.Schema]*shape

// compiler compiles shapes with the document's patterns.
type compiler struct {
	shapes shapes
	names  *nameIndex
}

// of returns the shape of s, compiling it, and the shapes it reaches,
// once; nil for a nil s.
func (c compiler) of(s *openapi3.Schema) *shape {
	if s == nil {
		return nil
	}
	if sh, ok := c.shapes[s]; ok {
		return sh
	}
	sh := &shape{
		object:   admits(s, openapi3.TypeObject),
		array:    admits(s, openapi3.TypeArray),
		scalar:   admitsScalar(s, ""),
		null:     admitsScalar(s, nil),
		none:     s.Always != nil && !*s.Always,
		freeForm: freeForm(s),
	}
	c.shapes[s] = sh
	src := arrayItems(s)
	if src.len() > 1 {
		sh.arrays = true
	}
	var prefix openapi3.SchemaRefs
	if src.len() == 1 {
		prefix = src.at(0).prefix
		sh.items = c.of(src.at(0).items)
		sh.tuple = len(prefix) != 0 && src.at(0).items == nil
	}
	for _, ref := range prefix {
		var ps *openapi3.Schema
		if ref != nil {
			ps = ref.Value
		}
		sh.prefix = append(sh.prefix, c.of(ps))
	}
	names := map[string]bool{}
	var pats []*namePattern
	declaredNames(s, c.names, 0, map[*openapi3.Schema]int{}, names, &pats)
	sh.names = make(map[string]member, len(names))
	sh.folded = make(map[string]bool, len(names))
	for name := range names {
		sh.names[name] = c.member(s, name, lookup{names: c.names})
		sh.folded[string(appendFoldString(nil, name))] = true
	}
	// property's answer for a name no reachable properties keyword
	// holds depends on the name only through the patterns it matches.
	absent := "\x00"
	for names[absent] || sh.folded[absent] {
		absent += "\x00"
	}
	for _, p := range pats {
		sh.patterns = append(sh.patterns, shapePattern{p, c.member(s, absent, lookup{names: c.names, forced: true, only: p})})
	}
	sh.other = c.member(s, absent, lookup{names: c.names, forced: true})
	return sh
}

// member is the answer l gives for name in s.
func (c compiler) member(s *openapi3.Schema, name string, l lookup) member {
	if freeForm(s) {
		return member{allowed: true}
	}
	set, ok := l.run(s, name)
	ok = ok && sendable(&set)
	ps, single := set.only()
	if !single {
		return member{allowed: ok, unsure: true}
	}
	return member{allowed: ok, shape: c.of(ps)}
}

// declaredNames adds the names of every properties keyword, and the
// patterns of every patternProperties keyword, that [lookup.visit] reads
// from s, to the same depth. seen holds the least depth each schema was
// met at: meeting it again deeper adds nothing.
func declaredNames(s *openapi3.Schema, idx *nameIndex, depth int, seen map[*openapi3.Schema]int, names map[string]bool, found *[]*namePattern) {
	if s == nil || depth > 32 {
		return
	}
	if d, ok := seen[s]; ok && d <= depth {
		return
	}
	if _, ok := seen[s]; !ok {
		pats := idx.patterns[s]
		for i := range pats {
			*found = append(*found, &pats[i])
		}
	}
	seen[s] = depth
	for name := range s.Properties {
		names[name] = true
	}
	for _, group := range [...][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, ref := range group {
			if ref != nil {
				declaredNames(ref.Value, idx, depth+1, seen, names, found)
			}
		}
	}
}

// member returns the answer for a name read from the body; fold is
// scratch space for the folded name.
func (sh *shape) member(name []byte, fold *[]byte) member {
	if m, ok := sh.names[string(name)]; ok {
		return m
	}
	if len(sh.folded) != 0 && (sh.other.allowed || len(sh.patterns) != 0) {
		// Refused either way otherwise: the fold is only worth it
		// where something would admit the name.
		*fold = appendFold((*fold)[:0], name)
		if sh.folded[string(*fold)] {
			return member{}
		}
	}
	var found *member
	for i := range sh.patterns {
		if re := sh.patterns[i].p.re; re != nil && re.Match(name) {
			if found != nil {
				return member{allowed: true, unsure: true}
			}
			found = &sh.patterns[i].m
		}
	}
	if found != nil {
		return *found
	}
	return sh.other
}

// scanner is a reusable decoder over a held body. The decoder reads the
// bytes.Buffer's bytes in place.
type scanner struct {
	buf  bytes.Buffer
	dec  *jsontext.Decoder
	name []byte // an unescaped name
	fold []byte // a folded name
}

// repeatOptions lets a name repeat: every occurrence is walked, so a body
// passes only when each would, and the decoding path, which keeps the
// last, would pass it too. That is enough where only names are checked.
// Where values are validated too, kin-openapi's validation reads one
// occurrence (the last, when built with encoding/json's v1 decoder; with
// the v2 one it refuses the body) and a client may read another, which
// nothing validated: onceOptions refuses a repeated name, and the
// decoding path sends the body re-encoded, as it was validated.
var (
	repeatOptions = jsontext.AllowDuplicateNames(true)
	onceOptions   = jsontext.AllowDuplicateNames(false)
)

var scanners = sync.Pool{New: func() any {
	s := new(scanner)
	s.dec = jsontext.NewDecoder(&s.buf)
	return s
}}

// conforms reports whether body is one JSON value in which [unsent]
// would find nothing to remove and no mismatch, so that filtering would
// send it unchanged. It is strict where the decoding path is lenient
// (invalid UTF-8, a stray bracket after the value) and, when repeats is
// true, walks every occurrence of a repeated name where that path keeps
// the last; when repeats is false, a repeated name is refused. Refused
// bodies are decided by that path. It allocates nothing once its pool
// is warm, trusts nothing in body, and is safe for concurrent use.
func (sh *shape) conforms(body []byte, repeats bool) bool {
	s := scanners.Get().(*scanner)
	s.buf = *bytes.NewBuffer(body)
	opts := onceOptions
	if repeats {
		opts = repeatOptions
	}
	s.dec.Reset(&s.buf, opts)
	ok := s.walk(sh)
	if ok {
		_, err := s.dec.ReadToken()
		ok = err == io.EOF
	}
	s.buf = bytes.Buffer{}
	s.dec.Reset(&s.buf)
	scanners.Put(s)
	return ok
}

// walk reads one value, holding it to sh as walker.walk does.
func (s *scanner) walk(sh *shape) bool {
	d := s.dec
	if sh != nil && sh.none {
		return false
	}
	switch k := d.PeekKind(); k {
	case '{':
		if sh == nil {
			return d.SkipValue() == nil
		}
		if !sh.object {
			return false
		}
		if _, err := d.ReadToken(); err != nil {
			return false
		}
		for d.PeekKind() != '}' {
			name, err := d.ReadValue()
			if err != nil || len(name) < 2 {
				return false
			}
			raw := name[1 : len(name)-1]
			if bytes.IndexByte(raw, '\\') >= 0 {
				if s.name, err = jsontext.AppendUnquote(s.name[:0], name); err != nil {
					return false
				}
				raw = s.name
			}
			m := sh.member(raw, &s.fold)
			if !m.allowed || m.unsure || !s.walk(m.shape) {
				return false
			}
		}
		_, err := d.ReadToken()
		return err == nil
	case '[':
		switch {
		case sh == nil:
			return d.SkipValue() == nil
		case !sh.array || sh.arrays:
			return false
		case sh.items == nil && len(sh.prefix) == 0:
			return sh.freeForm && d.SkipValue() == nil
		}
		if _, err := d.ReadToken(); err != nil {
			return false
		}
		for i := 0; d.PeekKind() != ']'; i++ {
			next := sh.items
			switch {
			case i < len(sh.prefix):
				next = sh.prefix[i]
			case sh.tuple:
				if k := d.PeekKind(); k == '{' || k == '[' {
					return false
				}
			}
			if !s.walk(next) {
				return false
			}
		}
		_, err := d.ReadToken()
		return err == nil
	default:
		// A scalar, or an error the skip reports.
		if sh != nil && !(k == 'n' && sh.null) && !(k != 'n' && sh.scalar) {
			return false
		}
		return d.SkipValue() == nil
	}
}

// compileResponses compiles the shape of every response schema of op.
func (v *Validator) compileResponses(op *openapi3.Operation) {
	if op == nil || op.Responses == nil {
		return
	}
	for _, ref := range op.Responses.Map() {
		if ref == nil || ref.Value == nil {
			continue
		}
		for _, mt := range ref.Value.Content {
			if mt != nil && mt.Schema != nil {
				sh := compiler{v.shapes, v.names}.of(mt.Schema.Value)
				if sh.reads(map[*shape]bool{}) {
					v.structured[mt.Schema.Value] = true
				}
			}
		}
	}
}

// reads reports whether the filter could find anything in some JSON
// value held to sh: an undeclared property, a mismatch, or a value it
// leaves to the decoding path. A body that is not JSON under such a
// schema cannot be checked.
func (sh *shape) reads(seen map[*shape]bool) bool {
	if sh == nil || seen[sh] {
		return false
	}
	seen[sh] = true
	if sh.none || sh.arrays {
		return true
	}
	if sh.object && (len(sh.names) != 0 || len(sh.patterns) != 0 || !sh.other.allowed || sh.other.unsure) {
		return true
	}
	if sh.tuple || (sh.array && sh.items == nil && len(sh.prefix) == 0 && !sh.freeForm) {
		return true
	}
	if (sh.object && sh.other.shape.reads(seen)) || sh.items.reads(seen) {
		return true
	}
	for _, p := range sh.prefix {
		if p.reads(seen) {
			return true
		}
	}
	return false
}
