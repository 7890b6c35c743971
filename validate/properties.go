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
// (recursively, through resolved $refs), matched by a patternProperties
// pattern there, or admitted by an additionalProperties or
// unevaluatedProperties schema or true. An unspecified additionalProperties
// admits the property when lenient is true or the schema declares no
// properties at all, unless unevaluatedProperties is set on the schema or
// above it; a branch without a type, or an allOf branch beside one that
// declares, does not count (see [widens]). A name that is not declared as
// written but equals a declared name under case folding ("Role" beside a
// declared "role") is never declared, whatever admits extras:
// encoding/json and other clients that match names without case would
// read it as the declared property. When remove is true the property is
// deleted from its object. pats holds the document's compiled patterns.
// It trusts value (decoded JSON) only as data.
func undeclared(schema *openapi3.Schema, pats namePatterns, value any, lenient, remove bool, found func(pointer string, mismatch bool)) {
	w := walker{lenient: lenient, remove: remove, pats: pats, found: found, path: make([]string, 0, 8)}
	w.walk(schema, value)
}

// unsent is [undeclared] for a response: a writeOnly property (a
// password, a card number the API takes and must not give back) is not
// declared for it either, as kin-openapi's response validation holds.
func unsent(schema *openapi3.Schema, pats namePatterns, value any, remove bool, found func(pointer string, mismatch bool)) {
	w := walker{remove: remove, response: true, pats: pats, found: found, path: make([]string, 0, 8)}
	w.walk(schema, value)
}

// walker keeps the path as tokens and joins it only for a finding, so a
// clean document costs no pointer strings.
type walker struct {
	lenient, remove bool
	// response: writeOnly properties are not declared.
	response bool
	pats     namePatterns
	found    func(string, bool)
	path     []string
}

// sendable reports whether property k of schema, which [property]
// allowed with the schemas in set, may leave in a response: none of them
// nor any declaration of k that the search for it reads is writeOnly (a
// branch may declare k writeOnly where the schema itself declares it
// plain, and kin-openapi's response validation refuses it then).
func sendable(schema *openapi3.Schema, k string, set *schemaSet) bool {
	for i := range set.len() {
		if s := set.at(i); s != nil && s.WriteOnly {
			return false
		}
	}
	var seen visits
	return !writeOnlyIn(schema, k, 0, &seen)
}

// writeOnlyIn reads properties keywords only: the patterns k matches
// are in the set [sendable] was given.
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
			set, ok := property(schema, w.pats, k, w.lenient)
			ok = ok && (!w.response || sendable(schema, k, &set))
			w.path = append(w.path, k)
			if !ok {
				w.found(joinPointer(w.path), false)
				if w.remove {
					delete(v, k)
				}
			} else if mayHoldContainers(child) {
				// Every schema that applies to the value applies in
				// full: a property of it survives only if each admits it.
				for i := range set.len() {
					w.walk(set.at(i), child)
				}
			}
			w.path = w.path[:len(w.path)-1]
		}
	case []any:
		prefix, items := arrayItems(schema)
		if items == nil && len(prefix) == 0 {
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
			switch {
			case i < len(prefix):
				if prefix[i] != nil {
					w.walk(prefix[i].Value, child)
				}
			case items != nil:
				w.walk(items, child)
			default:
				// A tuple declares its elements; an object or array
				// past them is declared by nothing.
				w.found(joinPointer(w.path), true)
			}
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

// schemaSet holds the schemas a property's value is walked with; most
// properties have one, and a set of a few takes no allocation.
type schemaSet struct {
	n     int
	fixed [3]*openapi3.Schema
	more  []*openapi3.Schema
}

func (s *schemaSet) add(x *openapi3.Schema) {
	if s.n < len(s.fixed) {
		s.fixed[s.n] = x
	} else {
		s.more = append(s.more, x)
	}
	s.n++
}

func (s *schemaSet) len() int { return s.n }

func (s *schemaSet) at(i int) *openapi3.Schema {
	if i < len(s.fixed) {
		return s.fixed[i]
	}
	return s.more[i-len(s.fixed)]
}

// first is the set's first schema, nil when it is empty.
func (s *schemaSet) first() *openapi3.Schema {
	if s.n == 0 {
		return nil
	}
	return s.fixed[0]
}

// only returns the one schema of a set of at most one, and whether the
// set has at most one.
func (s *schemaSet) only() (*openapi3.Schema, bool) {
	switch s.n {
	case 0:
		return nil, true
	case 1:
		return s.fixed[0], true
	}
	return nil, false
}

// property finds the schemas the value of property k is walked with, and
// whether k is allowed at all. An allowed property with nothing to follow
// returns an empty set.
func property(schema *openapi3.Schema, pats namePatterns, k string, lenient bool) (schemaSet, bool) {
	l := lookup{pats: pats, lenient: lenient}
	return l.run(schema, k)
}

// lookup is one search for a property name through a schema and its
// branches.
type lookup struct {
	pats    namePatterns
	lenient bool
	// forced: patterns are not run against the name; only, when set, is
	// taken to be the one that matches it (see [compiler.of]).
	forced bool
	only   *namePattern

	allowed bool
	// named: some properties keyword holds k as written, and prop is the
	// schema the first one gives it; variant: none does, but one holds a
	// name equal to k under case folding.
	named, variant bool
	prop           *openapi3.Schema
	// matched holds the schemas of the patterns k matches.
	matched schemaSet
	// open is the first additionalProperties or unevaluatedProperties
	// schema met, to follow when nothing names or matches k.
	open *openapi3.Schema
	seen visits
}

func (l *lookup) run(schema *openapi3.Schema, k string) (schemaSet, bool) {
	l.visit(schema, k, 0, false, true)
	if l.variant && !l.named {
		return schemaSet{}, false
	}
	var set schemaSet
	if l.named {
		set.add(l.prop)
	}
	for i := range l.matched.len() {
		set.add(l.matched.at(i))
	}
	if set.n == 0 && l.open != nil {
		set.add(l.open)
	}
	return set, l.allowed
}

func (l *lookup) matches(p *namePattern, k string) bool {
	if l.forced {
		return p == l.only
	}
	return p.re.MatchString(k)
}

// visit searches s and its branches, and reports whether they evaluate k
// (name it, match it, or admit it by an additionalProperties or
// unevaluatedProperties that is true or a schema). closed is set below a
// schema with unevaluatedProperties: that keyword, not an unspecified
// additionalProperties, decides for the names nothing evaluates. open is
// whether a free-form s admits every name (see [widens]).
func (l *lookup) visit(s *openapi3.Schema, k string, depth int, closed, open bool) bool {
	if s == nil || depth > 32 || !l.seen.enter(s, depth) {
		return false
	}
	evaluated := false
	if ref := s.Properties[k]; ref != nil {
		if !l.named {
			l.prop = ref.Value
		}
		l.allowed, l.named, evaluated = true, true, true
		if len(l.pats) == 0 {
			// Nothing else could apply to k: stop at the first find.
			return true
		}
	} else if !l.named {
		for name := range s.Properties {
			if foldEqual(name, k) {
				l.variant = true
				break
			}
		}
	}
	for i := range l.pats[s] {
		if p := &l.pats[s][i]; l.matches(p, k) {
			l.allowed, evaluated = true, true
			l.matched.add(p.schema)
		}
	}
	unevaluated := s.UnevaluatedProperties.Has != nil || s.UnevaluatedProperties.Schema != nil
	if !evaluated {
		if ap := s.AdditionalProperties; ap.Schema != nil && ap.Schema.Value != nil {
			l.allowed, evaluated = true, true
			if l.open == nil {
				l.open = ap.Schema.Value
			}
		} else if ap.Has != nil && *ap.Has {
			l.allowed, evaluated = true, true
		} else if ap.Has == nil && !closed && !unevaluated && (l.lenient || (open && freeForm(s))) {
			l.allowed = true
		}
	}
	for g, group := range [...][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, ref := range group {
			if ref == nil {
				continue
			}
			if l.visit(ref.Value, k, depth+1, closed || unevaluated, widens(s, g == 0, ref.Value)) {
				evaluated = true
			}
			if l.named && len(l.pats) == 0 {
				return true
			}
		}
	}
	if !evaluated && unevaluated {
		if up := s.UnevaluatedProperties; up.Schema != nil && up.Schema.Value != nil {
			l.allowed, evaluated = true, true
			if l.open == nil {
				l.open = up.Schema.Value
			}
		} else if up.Has != nil && *up.Has {
			l.allowed, evaluated = true, true
		}
	}
	return evaluated
}

// widens reports whether branch, a free-form branch of s (of its allOf
// when all is set), admits every name. An alternative (anyOf, oneOf) that
// states a type is a free-form object beside the others; a branch that
// states none (`{required: [id]}`, `{description: …}`) only asserts or
// annotates, and declares nothing. An allOf branch constrains what s and
// its other branches declare, so it widens only where none of them
// declares anything: `allOf: [{$ref: User}, {type: object, required:
// [id]}]` admits User's names only.
func widens(s *openapi3.Schema, all bool, branch *openapi3.Schema) bool {
	if branch == nil || branch.Type.IsEmpty() {
		return false
	}
	if !all {
		return true
	}
	if len(s.Properties) != 0 || len(s.PatternProperties) != 0 {
		return false
	}
	for _, ref := range s.AllOf {
		if ref != nil && ref.Value != nil && !freeForm(ref.Value) {
			return false
		}
	}
	return true
}

// freeForm reports whether s declares no properties at all, directly or
// through composition: `{}` or `{type: object}` is a free-form object whose
// properties are all declared. A schema with patternProperties or
// unevaluatedProperties declares what it admits.
func freeForm(s *openapi3.Schema) bool {
	return len(s.Properties) == 0 && len(s.PatternProperties) == 0 &&
		s.UnevaluatedProperties.Has == nil && s.UnevaluatedProperties.Schema == nil &&
		len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 && !conditional(s)
}

// conditional reports whether s declares through keywords the filter does
// not read (then, else, dependentSchemas): it is not free-form, so what
// only they declare is undeclared, and removed, rather than admitted
// unwalked.
func conditional(s *openapi3.Schema) bool {
	return s.Then != nil || s.Else != nil || len(s.DependentSchemas) != 0
}

// arrayItems is the prefixItems and items schema of schema or, failing
// that, of the first composition branch that has either; items is nil and
// prefix empty when none does. Past the prefix, unevaluatedItems stands
// for an absent items. It looks no deeper than [lookup.visit]: a document
// may compose a schema with itself (A is allOf B, B is allOf A), and the
// loader accepts it.
func arrayItems(schema *openapi3.Schema) (prefix openapi3.SchemaRefs, items *openapi3.Schema) {
	var seen visits
	return arrayItemsAt(schema, 0, &seen)
}

func arrayItemsAt(schema *openapi3.Schema, depth int, seen *visits) (openapi3.SchemaRefs, *openapi3.Schema) {
	if schema == nil || depth > 32 || !seen.enter(schema, depth) {
		return nil, nil
	}
	var items *openapi3.Schema
	if schema.Items != nil && schema.Items.Value != nil {
		items = schema.Items.Value
	} else if ui := schema.UnevaluatedItems.Schema; ui != nil && ui.Value != nil && len(schema.PrefixItems) != 0 {
		items = ui.Value
	}
	if items != nil || len(schema.PrefixItems) != 0 {
		return schema.PrefixItems, items
	}
	for _, group := range [...][]*openapi3.SchemaRef{schema.AllOf, schema.AnyOf, schema.OneOf} {
		for _, ref := range group {
			if ref != nil && ref.Value != nil {
				if prefix, it := arrayItemsAt(ref.Value, depth+1, seen); it != nil || len(prefix) != 0 {
					return prefix, it
				}
			}
		}
	}
	return nil, nil
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
