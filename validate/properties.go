package validate

import (
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// undeclared walks value along schema and calls found with the JSON pointer
// of every object property the schema does not declare, and with mismatch
// set where a value stands that the schema's type or a false schema
// refuses outright (an object or array where another type is wanted, a
// scalar where only an object or array is: nothing in it could be
// filtered). Declared means named in properties of the schema or of any
// allOf, anyOf or oneOf branch (recursively, through resolved $refs),
// matched by a patternProperties pattern there, or admitted by an
// additionalProperties or unevaluatedProperties schema or true, and
// forbidden by none (see [lookup.visit]): a false schema for the name, or
// an additionalProperties false that does not name it, anywhere in the
// schema or its allOf branches, wins over whatever admits it elsewhere.
// A schema whose whole composition declares nothing is free-form (see
// [freeForm]) and declares every name; otherwise an unspecified
// additionalProperties admits a name only when lenient is true, and not
// at or below an unevaluatedProperties. A name that is not declared as
// written but equals a declared name under case folding ("Role" beside a
// declared "role") is never declared, whatever admits extras:
// encoding/json and other clients that match names without case would
// read it as the declared property. A value is walked with every schema
// that applies to it, each in full: a name inside survives only if each
// declares it. When remove is true the property is deleted from its
// object. names holds the document's compiled patterns and folded names.
// It trusts value (decoded JSON) only as data.
func undeclared(schema *openapi3.Schema, names *nameIndex, value any, lenient, remove bool, found func(pointer string, mismatch bool)) {
	w := walker{lenient: lenient, remove: remove, names: names, found: found, path: make([]string, 0, 8)}
	w.walk(schema, value)
}

// unsent is [undeclared] for a response: a writeOnly property (a
// password, a card number the API takes and must not give back) is not
// declared for it either, as kin-openapi's response validation holds.
func unsent(schema *openapi3.Schema, names *nameIndex, value any, remove bool, found func(pointer string, mismatch bool)) {
	w := walker{remove: remove, response: true, names: names, found: found, path: make([]string, 0, 8)}
	w.walk(schema, value)
}

// walker keeps the path as tokens and joins it only for a finding, so a
// clean document costs no pointer strings.
type walker struct {
	lenient, remove bool
	// response: writeOnly properties are not declared.
	response bool
	names    *nameIndex
	found    func(string, bool)
	path     []string
}

// sendable reports whether a property, which [property] allowed with
// the schemas in set, may leave in a response: none of them is writeOnly.
// The set holds every declaration of the name the search reads, through
// every branch, so one branch declaring it writeOnly where the schema
// itself declares it plain is enough (kin-openapi's response validation
// refuses it then).
func sendable(set *schemaSet) bool {
	for i := range set.len() {
		if s := set.at(i); s != nil && s.WriteOnly {
			return false
		}
	}
	return true
}

func (w *walker) walk(schema *openapi3.Schema, value any) {
	if schema == nil {
		return
	}
	if schema.Always != nil {
		// A boolean schema: true admits anything, false nothing.
		if !*schema.Always {
			w.found(joinPointer(w.path), true)
		}
		return
	}
	switch v := value.(type) {
	case map[string]any:
		if !admits(schema, openapi3.TypeObject) {
			w.found(joinPointer(w.path), true)
			return
		}
		if freeForm(schema) {
			return
		}
		for k, child := range v {
			l := lookup{names: w.names, lenient: w.lenient}
			set, ok := l.run(schema, k)
			ok = ok && (!w.response || sendable(&set))
			w.path = append(w.path, k)
			if !ok {
				w.found(joinPointer(w.path), false)
				if w.remove {
					delete(v, k)
				}
			} else {
				// Every schema that applies to the value applies in
				// full: a property of it survives only if each admits it.
				for i := range set.len() {
					w.walk(set.at(i), child)
				}
			}
			w.path = w.path[:len(w.path)-1]
		}
	case []any:
		if !admits(schema, openapi3.TypeArray) {
			w.found(joinPointer(w.path), true)
			return
		}
		src := arrayItems(schema)
		if src.len() == 0 {
			if !freeForm(schema) {
				w.found(joinPointer(w.path), true)
			}
			return
		}
		for i, child := range v {
			w.path = append(w.path, strconv.Itoa(i))
			walked, past := false, false
			for j := range src.len() {
				e, p := src.at(j).element(i)
				if e != nil {
					w.walk(e, child)
					walked = true
				}
				past = past || p
			}
			if !walked && past && mayHoldContainers(child) {
				// A tuple declares its elements; an object or array
				// past them that nothing else declares is declared by
				// nothing.
				w.found(joinPointer(w.path), true)
			}
			w.path = w.path[:len(w.path)-1]
		}
	default:
		if !admitsScalar(schema, v) {
			// A scalar where only an object or array may stand (a
			// range of a record's bytes, a field sent bare) is
			// nothing the filter could remove names from.
			w.found(joinPointer(w.path), true)
		}
	}
}

// admits reports whether s's type admits typ; no type admits every one.
func admits(s *openapi3.Schema, typ string) bool {
	return s.Type.IsEmpty() || s.Type.Includes(typ)
}

// admitsScalar reports whether s admits v, a JSON scalar, by its type:
// whether s is anything but a schema for objects and arrays only.
func admitsScalar(s *openapi3.Schema, v any) bool {
	if s.Type.IsEmpty() {
		return true
	}
	if v == nil && (s.Nullable || s.Type.IncludesNull()) {
		return true
	}
	for _, t := range *s.Type {
		if t != openapi3.TypeObject && t != openapi3.TypeArray && t != openapi3.TypeNull {
			return true
		}
	}
	return false
}

func mayHoldContainers(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// schemaSet holds the schemas a property's value is walked with, each
// once; most properties have one, and a set of a few takes no allocation.
type schemaSet struct {
	n     int
	fixed [3]*openapi3.Schema
	more  []*openapi3.Schema
}

// add adds x unless the set holds it.
func (s *schemaSet) add(x *openapi3.Schema) {
	for i := range s.n {
		if s.at(i) == x {
			return
		}
	}
	if s.n < len(s.fixed) {
		s.fixed[s.n] = x
	} else {
		s.more = append(s.more, x)
	}
	s.n++
}

// len is the number of schemas in the set.
func (s *schemaSet) len() int { return s.n }

// at is the set's i-th schema, in the order they were added.
func (s *schemaSet) at(i int) *openapi3.Schema {
	if i < len(s.fixed) {
		return s.fixed[i]
	}
	return s.more[i-len(s.fixed)]
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
func property(schema *openapi3.Schema, names *nameIndex, k string, lenient bool) (schemaSet, bool) {
	if freeForm(schema) {
		return schemaSet{}, true
	}
	l := lookup{names: names, lenient: lenient}
	return l.run(schema, k)
}

// lookup is one search for a property name through a schema and the
// schemas that apply in place with it (allOf, anyOf, oneOf, at any depth).
type lookup struct {
	names   *nameIndex
	lenient bool
	// forced: patterns are not run against the name; only, when set, is
	// taken to be the one that matches it (see [compiler.of]).
	forced bool
	only   *namePattern

	// named: some properties keyword holds k as written; variant: one
	// holds a name equal to k under case folding. admitted: a lenient
	// lookup met an unspecified additionalProperties that admits k.
	named, variant, admitted bool
	// set holds every schema that applies to k's value.
	set schemaSet
}

// run answers for k in schema, which is not free-form (see [freeForm]; a
// free-form schema admits every name with nothing to follow): it admits k
// when something evaluates it (a properties or patternProperties entry,
// an additionalProperties or unevaluatedProperties schema or true) and
// nothing forbids it.
func (l *lookup) run(schema *openapi3.Schema, k string) (schemaSet, bool) {
	var evaluated, forbidden bool
	if composed(schema) {
		var seen visits
		evaluated, forbidden = l.visit(schema, k, 0, false, &seen)
	} else {
		// One schema: no search to keep small.
		evaluated, forbidden = l.visit(schema, k, 0, false, nil)
	}
	if forbidden || (l.variant && !l.named) {
		return schemaSet{}, false
	}
	return l.set, evaluated || l.admitted
}

// matches reports whether pattern p matches k.
func (l *lookup) matches(p *namePattern, k string) bool {
	if l.forced {
		return p == l.only
	}
	return p.re != nil && p.re.MatchString(k)
}

// isVariant reports whether s declares a name that is not k but equals
// it under case folding.
func (l *lookup) isVariant(s *openapi3.Schema, k string) bool {
	var folded map[string]bool
	if l.names != nil {
		folded = l.names.folded[s]
	}
	if folded == nil {
		// A schema New did not reach: compare with every name.
		for name := range s.Properties {
			if name != k && foldEqual(name, k) {
				return true
			}
		}
		return false
	}
	// Folded here, not kept in l: a slice into l would move it to the
	// heap, and most lookups never fold.
	var buf [64]byte
	return folded[string(appendFoldString(buf[:0], k))]
}

// visit searches s and the schemas that apply in place with it, and
// reports whether they evaluate k (name it, match it, or admit it by an
// additionalProperties or unevaluatedProperties that is true or a
// schema) and whether they forbid it: a false schema for it, an
// additionalProperties or unevaluatedProperties false that it reaches,
// in s or an allOf branch at any depth, or in every alternative of an
// anyOf or oneOf. Each schema applies by its own keywords: a branch that
// admits every name does not widen past a parent or sibling that
// forbids one. closed is set below a schema with unevaluatedProperties:
// that keyword, not an unspecified additionalProperties, decides for the
// names nothing evaluates.
func (l *lookup) visit(s *openapi3.Schema, k string, depth int, closed bool, seen *visits) (evaluated, forbidden bool) {
	if s == nil {
		return false, false
	}
	if depth > 32 {
		// Deeper than any document needs: fail closed.
		return false, true
	}
	if seen != nil {
		if prior, ok := seen.enter(s, depth); !ok {
			return prior.evaluated, prior.forbidden
		}
		defer func() { seen.leave(s, evaluated, forbidden) }()
	}
	if s.Always != nil {
		return false, !*s.Always
	}
	local := false
	if ref := s.Properties[k]; ref != nil {
		l.named, local, evaluated = true, true, true
		forbidden = l.apply(ref.Value) || forbidden
	} else if !l.named && len(s.Properties) != 0 && !l.variant {
		l.variant = l.isVariant(s, k)
	}
	if l.names != nil {
		pats := l.names.patterns[s]
		for i := range pats {
			if p := &pats[i]; p.re == nil && s.Properties[k] == nil {
				// A pattern that does not compile might declare k
				// with a schema that would not let it out: fail
				// closed.
				forbidden = true
			} else if l.matches(p, k) {
				local, evaluated = true, true
				forbidden = l.apply(p.schema) || forbidden
			}
		}
	}
	unevaluated := s.UnevaluatedProperties.Has != nil || s.UnevaluatedProperties.Schema != nil
	if !local {
		switch ap := s.AdditionalProperties; {
		case ap.Schema != nil:
			evaluated = true
			forbidden = l.apply(ap.Schema.Value) || forbidden
		case ap.Has != nil:
			evaluated = true
			forbidden = forbidden || !*ap.Has
		case l.lenient && !closed && !unevaluated:
			l.admitted = true
		}
	}
	for _, ref := range s.AllOf {
		if ref != nil {
			ev, fb := l.visit(ref.Value, k, depth+1, closed || unevaluated, seen)
			evaluated, forbidden = evaluated || ev, forbidden || fb
		}
	}
	for _, group := range [...][]*openapi3.SchemaRef{s.AnyOf, s.OneOf} {
		if len(group) == 0 {
			continue
		}
		// Forbidden only if every alternative forbids k.
		all, some := true, false
		for _, ref := range group {
			if ref == nil {
				continue
			}
			some = true
			ev, fb := l.visit(ref.Value, k, depth+1, closed || unevaluated, seen)
			if !fb {
				all = false
				evaluated = evaluated || ev
			}
		}
		forbidden = forbidden || (some && all)
	}
	if !evaluated && unevaluated {
		switch up := s.UnevaluatedProperties; {
		case up.Schema != nil:
			evaluated = true
			forbidden = l.apply(up.Schema.Value) || forbidden
		case up.Has != nil:
			evaluated = true
			forbidden = forbidden || !*up.Has
		}
	}
	return evaluated, forbidden
}

// apply adds x, a schema k's value is held to, to the set, and reports
// whether it is false, which admits no value.
func (l *lookup) apply(x *openapi3.Schema) bool {
	switch {
	case x == nil:
		return false
	case x.Always != nil:
		return !*x.Always
	}
	l.set.add(x)
	return false
}

// freeForm reports whether s and every schema that applies in place with
// it (allOf, anyOf, oneOf, then, else, dependentSchemas, at any depth)
// declare and forbid no names: `{}`, `{type: object}`, `{allOf:
// [{description: …}]}` or `true` is a free-form object whose properties
// are all declared. A schema with properties, patternProperties, an
// additionalProperties schema or false, or unevaluatedProperties
// declares what it admits, and so does every schema it is composed with:
// `allOf: [{$ref: User}, {type: object}]` admits User's names only.
func freeForm(s *openapi3.Schema) bool {
	if s == nil {
		return true
	}
	if !composed(s) {
		return freeFormHere(s)
	}
	var seen visits
	return freeFormAt(s, 0, &seen)
}

// freeFormHere is [freeForm] for s's own keywords.
func freeFormHere(s *openapi3.Schema) bool {
	if s.Always != nil {
		return *s.Always
	}
	ap := s.AdditionalProperties
	return len(s.Properties) == 0 && len(s.PatternProperties) == 0 &&
		ap.Schema == nil && (ap.Has == nil || *ap.Has) &&
		s.UnevaluatedProperties.Has == nil && s.UnevaluatedProperties.Schema == nil
}

// composed reports whether other schemas apply in place with s.
func composed(s *openapi3.Schema) bool {
	return len(s.AllOf)+len(s.AnyOf)+len(s.OneOf)+len(s.DependentSchemas) != 0 || s.Then != nil || s.Else != nil
}

func freeFormAt(s *openapi3.Schema, depth int, seen *visits) bool {
	if s == nil {
		return true
	}
	if depth > 32 {
		return false
	}
	if _, ok := seen.enter(s, depth); !ok {
		return true
	}
	if !freeFormHere(s) {
		return false
	}
	for _, group := range [...][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf, {s.Then, s.Else}} {
		for _, ref := range group {
			if ref != nil && !freeFormAt(ref.Value, depth+1, seen) {
				return false
			}
		}
	}
	for _, ref := range s.DependentSchemas {
		if ref != nil && !freeFormAt(ref.Value, depth+1, seen) {
			return false
		}
	}
	return true
}

// itemSource is what one schema says of an array's elements: its
// prefixItems and its items, or its unevaluatedItems standing for an
// absent items past a prefix.
type itemSource struct {
	prefix openapi3.SchemaRefs
	items  *openapi3.Schema
}

// element is the schema element i is held to (nil: none), and whether i
// is past a tuple that declares nothing after it.
func (src itemSource) element(i int) (*openapi3.Schema, bool) {
	if i < len(src.prefix) {
		if ref := src.prefix[i]; ref != nil {
			return ref.Value, false
		}
		return nil, false
	}
	return src.items, src.items == nil
}

// itemSources holds every itemSource that applies to an array; a few
// take no allocation.
type itemSources struct {
	n     int
	fixed [2]itemSource
	more  []itemSource
}

func (s *itemSources) add(x itemSource) {
	if s.n < len(s.fixed) {
		s.fixed[s.n] = x
	} else {
		s.more = append(s.more, x)
	}
	s.n++
}

// len is the number of sources.
func (s *itemSources) len() int { return s.n }

// at is the i-th source.
func (s *itemSources) at(i int) itemSource {
	if i < len(s.fixed) {
		return s.fixed[i]
	}
	return s.more[i-len(s.fixed)]
}

// arrayItems collects the prefixItems and items of schema and of every
// composition branch, at any depth, that has either: each applies to the
// array in full, so an element is walked with every schema some source
// gives it. It looks no deeper than [lookup.visit]: a document may
// compose a schema with itself (A is allOf B, B is allOf A), and the
// loader accepts it.
func arrayItems(schema *openapi3.Schema) itemSources {
	var src itemSources
	if schema == nil {
		return src
	}
	if !composed(schema) {
		if x, ok := itemsOf(schema); ok {
			src.add(x)
		}
		return src
	}
	var seen visits
	arrayItemsAt(schema, 0, &seen, &src)
	return src
}

// itemsOf is schema's own itemSource, and whether it has one.
func itemsOf(schema *openapi3.Schema) (itemSource, bool) {
	x := itemSource{prefix: schema.PrefixItems}
	if schema.Items != nil && schema.Items.Value != nil {
		x.items = schema.Items.Value
	} else if ui := schema.UnevaluatedItems.Schema; ui != nil && ui.Value != nil && len(schema.PrefixItems) != 0 {
		x.items = ui.Value
	} else if uh := schema.UnevaluatedItems.Has; uh != nil && !*uh && len(schema.PrefixItems) != 0 {
		x.items = &falseSchema
	}
	return x, x.items != nil || len(x.prefix) != 0
}

// falseSchema admits nothing.
var falseSchema = openapi3.Schema{Always: new(bool)}

func arrayItemsAt(schema *openapi3.Schema, depth int, seen *visits, src *itemSources) {
	if schema == nil || depth > 32 {
		return
	}
	if _, ok := seen.enter(schema, depth); !ok {
		return
	}
	if x, ok := itemsOf(schema); ok {
		src.add(x)
	}
	for _, group := range [...][]*openapi3.SchemaRef{schema.AllOf, schema.AnyOf, schema.OneOf} {
		for _, ref := range group {
			if ref != nil {
				arrayItemsAt(ref.Value, depth+1, seen, src)
			}
		}
	}
}

// visits records the least depth at which a depth-first search through
// allOf, anyOf and oneOf entered each schema, and what it found there.
// Entering a schema again no shallower than before finds nothing the
// first entry did not: skipping it keeps the answer, and keeps the
// search small where a schema is composed with itself more than once (A
// is allOf [A, A]), which would otherwise make it exponential in the
// depth bound.
type visits struct {
	n     int
	fixed [16]visit
	more  map[*openapi3.Schema]visit
}

// visit is one schema's entry: the least depth it was entered at and,
// once left, what [lookup.visit] found there.
type visit struct {
	s                    *openapi3.Schema
	depth                int
	evaluated, forbidden bool
}

// enter reports whether s is to be searched at depth, and records it;
// when it is not, it returns what the earlier entry found.
func (v *visits) enter(s *openapi3.Schema, depth int) (visit, bool) {
	for i := range v.fixed[:v.n] {
		if e := &v.fixed[i]; e.s == s {
			if e.depth <= depth {
				return *e, false
			}
			e.depth = depth
			return visit{}, true
		}
	}
	if e, ok := v.more[s]; ok {
		if e.depth <= depth {
			return e, false
		}
		e.depth = depth
		v.more[s] = e
		return visit{}, true
	}
	if v.n < len(v.fixed) {
		v.fixed[v.n] = visit{s: s, depth: depth}
		v.n++
		return visit{}, true
	}
	if v.more == nil {
		v.more = map[*openapi3.Schema]visit{}
	}
	v.more[s] = visit{s: s, depth: depth}
	return visit{}, true
}

// leave records what the search found in s, adding to what an earlier
// entry found.
func (v *visits) leave(s *openapi3.Schema, evaluated, forbidden bool) {
	for i := range v.fixed[:v.n] {
		if e := &v.fixed[i]; e.s == s {
			e.evaluated, e.forbidden = e.evaluated || evaluated, e.forbidden || forbidden
			return
		}
	}
	if e, ok := v.more[s]; ok {
		e.evaluated, e.forbidden = e.evaluated || evaluated, e.forbidden || forbidden
		v.more[s] = e
	}
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
