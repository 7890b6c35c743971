package validate

import (
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// undeclared walks value along schema and calls found with the JSON pointer
// of every object property the schema does not declare, and with mismatch
// set where an object or array stands where the schema wants another type
// (nothing below it could be filtered). Declared means named
// in properties of the schema or of any allOf, anyOf or oneOf branch
// (recursively, through resolved $refs), or admitted by an additionalProperties
// schema or true. An unspecified additionalProperties admits the property
// when lenient is true or the schema declares no properties at all. When remove is true the property is deleted
// from its object. It trusts value (decoded JSON) only as data.
func undeclared(schema *openapi3.Schema, value any, lenient, remove bool, found func(pointer string, mismatch bool)) {
	w := walker{lenient: lenient, remove: remove, found: found, path: make([]string, 0, 8)}
	w.walk(schema, value)
}

// unsent is [undeclared] for a response: a writeOnly property (a
// password, a card number the API takes and must not give back) is not
// declared for it either, as kin-openapi's response validation holds.
func unsent(schema *openapi3.Schema, value any, remove bool, found func(pointer string, mismatch bool)) {
	w := walker{remove: remove, response: true, found: found, path: make([]string, 0, 8)}
	w.walk(schema, value)
}

// walker keeps the path as tokens and joins it only for a finding, so a
// clean document costs no pointer strings.
type walker struct {
	lenient, remove bool
	// response: writeOnly properties are not declared.
	response bool
	found    func(string, bool)
	path     []string
}

// sendable reports whether property k of schema, which [property]
// allowed with the schema s, may leave in a response: neither s nor any
// declaration of k that the search for it reads is writeOnly (a branch
// may declare k writeOnly where the schema itself declares it plain, and
// kin-openapi's response validation refuses it then).
func sendable(schema *openapi3.Schema, k string, s *openapi3.Schema) bool {
	if s != nil && s.WriteOnly {
		return false
	}
	var seen visits
	return !writeOnlyIn(schema, k, 0, &seen)
}

func writeOnlyIn(s *openapi3.Schema, k string, depth int, seen *visits) bool {
	if s == nil || depth > 32 || !seen.enter(s, depth) {
		return false
	}
	if ref := s.Properties[k]; ref != nil && ref.Value != nil && ref.Value.WriteOnly {
		return true
	}
	for _, group := range [...][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, ref := range group {
			if ref != nil && writeOnlyIn(ref.Value, k, depth+1, seen) {
				return true
			}
		}
	}
	return false
}

func (w *walker) walk(schema *openapi3.Schema, value any) {
	if schema == nil {
		return
	}
	switch v := value.(type) {
	case map[string]any:
		if !schema.Type.Permits(openapi3.TypeObject) {
			w.found(joinPointer(w.path), true)
			return
		}
		for k, child := range v {
			s, ok := property(schema, k, w.lenient)
			ok = ok && (!w.response || sendable(schema, k, s))
			w.path = append(w.path, k)
			if !ok {
				w.found(joinPointer(w.path), false)
				if w.remove {
					delete(v, k)
				}
			} else {
				w.walk(s, child)
			}
			w.path = w.path[:len(w.path)-1]
		}
	case []any:
		items := arrayItems(schema)
		if items == nil {
			if !schema.Type.Permits(openapi3.TypeArray) || !freeForm(schema) {
				w.found(joinPointer(w.path), true)
			}
			return
		}
		for i, child := range v {
			if !mayHoldContainers(child) {
				continue
			}
			w.path = append(w.path, strconv.Itoa(i))
			w.walk(items, child)
			w.path = w.path[:len(w.path)-1]
		}
	}
}

func mayHoldContainers(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// property finds the schema of property k, and whether k is allowed at all.
// An allowed property with no schema to follow returns nil, true.
func property(schema *openapi3.Schema, k string, lenient bool) (*openapi3.Schema, bool) {
	var l lookup
	if found := l.visit(schema, k, lenient, 0); found != nil {
		return found, true
	}
	return l.open, l.allowed
}

type lookup struct {
	allowed bool
	// open is the first additionalProperties schema met, to follow when
	// no branch names k.
	open *openapi3.Schema
	seen visits
}

func (l *lookup) visit(s *openapi3.Schema, k string, lenient bool, depth int) *openapi3.Schema {
	if s == nil || depth > 32 || !l.seen.enter(s, depth) {
		return nil
	}
	if ref := s.Properties[k]; ref != nil {
		l.allowed = true
		return ref.Value
	}
	if ap := s.AdditionalProperties; ap.Schema != nil && ap.Schema.Value != nil {
		l.allowed = true
		if l.open == nil {
			l.open = ap.Schema.Value
		}
	} else if ap.Has != nil && *ap.Has {
		l.allowed = true
	} else if ap.Has == nil && (lenient || freeForm(s)) {
		l.allowed = true
	}
	for _, group := range [...][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, ref := range group {
			if ref == nil {
				continue
			}
			if found := l.visit(ref.Value, k, lenient, depth+1); found != nil {
				return found
			}
		}
	}
	return nil
}

// freeForm reports whether s declares no properties at all, directly or
// through composition: `{}` or `{type: object}` is a free-form object whose
// properties are all declared.
func freeForm(s *openapi3.Schema) bool {
	return len(s.Properties) == 0 && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0
}

// arrayItems is the items schema of schema or, failing that, of the
// first composition branch that has one, nil when none does. It looks no
// deeper than [lookup.visit]: a document may compose a schema with itself
// (A is allOf B, B is allOf A), and the loader accepts it.
func arrayItems(schema *openapi3.Schema) *openapi3.Schema {
	var seen visits
	return arrayItemsAt(schema, 0, &seen)
}

func arrayItemsAt(schema *openapi3.Schema, depth int, seen *visits) *openapi3.Schema {
	if schema == nil || depth > 32 || !seen.enter(schema, depth) {
		return nil
	}
	if schema.Items != nil && schema.Items.Value != nil {
		return schema.Items.Value
	}
	for _, group := range [...][]*openapi3.SchemaRef{schema.AllOf, schema.AnyOf, schema.OneOf} {
		for _, ref := range group {
			if ref != nil && ref.Value != nil {
				if it := arrayItemsAt(ref.Value, depth+1, seen); it != nil {
					return it
				}
			}
		}
	}
	return nil
}

// visits records the least depth at which a depth-first search through
// allOf, anyOf and oneOf entered each schema. A search that stops at its
// first find, entering a schema again no shallower than before, can find
// nothing there that the first entry did not: skipping it keeps the
// answer, and keeps the search small where a schema is composed with
// itself more than once (A is allOf [A, A]), which would otherwise make
// it exponential in the depth bound.
type visits struct {
	n     int
	fixed [16]visit
	more  map[*openapi3.Schema]int
}

type visit struct {
	s     *openapi3.Schema
	depth int
}

// enter reports whether s is to be searched at depth, and records it.
func (v *visits) enter(s *openapi3.Schema, depth int) bool {
	for i := range v.fixed[:v.n] {
		if e := &v.fixed[i]; e.s == s {
			if e.depth <= depth {
				return false
			}
			e.depth = depth
			return true
		}
	}
	if d, ok := v.more[s]; ok {
		if d <= depth {
			return false
		}
		v.more[s] = depth
		return true
	}
	if v.n < len(v.fixed) {
		v.fixed[v.n] = visit{s, depth}
		v.n++
		return true
	}
	if v.more == nil {
		v.more = map[*openapi3.Schema]int{}
	}
	v.more[s] = depth
	return true
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func escape(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return pointerEscaper.Replace(s)
}

func joinPointer(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(escape(p))
	}
	return b.String()
}
