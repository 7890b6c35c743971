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
	// object and array: whether the schema's type admits them.
	object, array bool
	// freeForm: see [freeForm]; an array without items is a mismatch
	// unless the schema is free-form.
	freeForm bool
	// items is the shape of arrayItems, nil when there is none.
	items *shape
	// names holds [property]'s answer for every name some properties
	// keyword reachable from the schema declares; any other name gets
	// other.
	names map[string]member
	other member
}

// member is [property]'s answer for a name, less writeOnly properties
// (see [sendable]): whether it is allowed, and the shape its value is
// walked with (nil: nothing to follow).
type member struct {
	allowed bool
	shape   *shape
}

// shapes compiles the shapes of a document's schemas, each once; a
// recursive schema gets a recursive shape.
type shapes map[*openapi3.Schema]*shape

func (m shapes) of(s *openapi3.Schema) *shape {
	if s == nil {
		return nil
	}
	if sh, ok := m[s]; ok {
		return sh
	}
	sh := &shape{
		object:   s.Type.Permits(openapi3.TypeObject),
		array:    s.Type.Permits(openapi3.TypeArray),
		freeForm: freeForm(s),
	}
	m[s] = sh
	sh.items = m.of(arrayItems(s))
	names := map[string]bool{}
	declaredNames(s, 0, map[*openapi3.Schema]int{}, names)
	sh.names = make(map[string]member, len(names))
	for name := range names {
		ps, ok := property(s, name, false)
		sh.names[name] = member{allowed: ok && sendable(s, name, ps), shape: m.of(ps)}
	}
	// property's answer for a name no reachable properties keyword
	// holds does not depend on the name.
	absent := "\x00"
	for names[absent] {
		absent += "\x00"
	}
	ps, ok := property(s, absent, false)
	sh.other = member{allowed: ok && sendable(s, absent, ps), shape: m.of(ps)}
	return sh
}

// declaredNames adds the names of every properties keyword that
// [lookup.visit] reads from s, to the same depth. seen holds the least
// depth each schema was met at: meeting it again deeper adds nothing.
func declaredNames(s *openapi3.Schema, depth int, seen map[*openapi3.Schema]int, names map[string]bool) {
	if s == nil || depth > 32 {
		return
	}
	if d, ok := seen[s]; ok && d <= depth {
		return
	}
	seen[s] = depth
	for name := range s.Properties {
		names[name] = true
	}
	for _, group := range [...][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, ref := range group {
			if ref != nil {
				declaredNames(ref.Value, depth+1, seen, names)
			}
		}
	}
}

// member returns the answer for a name read from the body.
func (sh *shape) member(name []byte) member {
	if m, ok := sh.names[string(name)]; ok {
		return m
	}
	return sh.other
}

// scanner is a reusable decoder over a held body. The decoder reads the
// bytes.Buffer's bytes in place.
type scanner struct {
	buf  bytes.Buffer
	dec  *jsontext.Decoder
	name []byte // an unescaped name
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
	switch d.PeekKind() {
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
			m := sh.member(raw)
			if !m.allowed || !s.walk(m.shape) {
				return false
			}
		}
		_, err := d.ReadToken()
		return err == nil
	case '[':
		switch {
		case sh == nil:
			return d.SkipValue() == nil
		case sh.items == nil:
			return sh.array && sh.freeForm && d.SkipValue() == nil
		}
		if _, err := d.ReadToken(); err != nil {
			return false
		}
		for d.PeekKind() != ']' {
			if !s.walk(sh.items) {
				return false
			}
		}
		_, err := d.ReadToken()
		return err == nil
	default:
		// A scalar, or an error the skip reports.
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
				v.shapes.of(mt.Schema.Value)
			}
		}
	}
}
