package validate

import (
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rampart-api/rampart/jsonlimits"
)

// formFields holds the field names of a form or multipart body to schema
// as strictly as a JSON body's properties: every name declared, bracket
// notation (user[role], tags[]) only where the schema declares the object
// or array it builds in qs, Rack, PHP or multer, and a repeated name only
// where the schema declares an array. Every schema that applies to a
// field's value applies in full, as in [undeclared]: user[role] is
// declared only if each declares role. lenient has the meaning it has for
// [undeclared]. Findings never quote a value.
func formFields(schema *openapi3.Schema, names *nameIndex, fields []jsonlimits.Field, lenient bool, f *findings) {
	for _, fd := range fields {
		base, segs, ok := jsonlimits.ParseFieldName(fd.Name)
		path := []string{fd.Name}
		if ok {
			path = append([]string{base}, segs...)
		}
		pointer := joinPointer(path)
		if !ok {
			f.props = true
			f.add(pointer, "is not a well-formed field name")
			continue
		}
		set, declared := property(schema, names, base, lenient)
		if !declared {
			f.props = true
			f.add(pointer, "is not a declared property")
			continue
		}
		for i, seg := range segs {
			if set.len() == 0 {
				// Admitted with nothing to follow.
				break
			}
			next, reason := fieldStep(&set, names, seg, i < len(segs)-1, lenient)
			if reason != "" {
				f.props = true
				f.add(pointer, reason)
				declared = false
				break
			}
			set = next
		}
		appends := len(segs) > 0 && segs[len(segs)-1] == ""
		if declared && fd.Count > 1 && !appends {
			for i := range set.len() {
				if !permitsArray(set.at(i)) {
					f.props = true
					f.add(pointer, "is repeated but not an array in the schema")
					break
				}
			}
		}
	}
}

// fieldStep is one bracket segment of a field name read under every
// schema of set: the schemas the value it names is held to, or why the
// name is not declared. more is set when segments follow seg.
func fieldStep(set *schemaSet, names *nameIndex, seg string, more, lenient bool) (schemaSet, string) {
	var next schemaSet
	for i := range set.len() {
		s := set.at(i)
		switch {
		case (seg == "" || isIndex(seg)) && permitsArray(s):
			switch past, none := elements(&next, s, seg); {
			case none:
				return schemaSet{}, "is not a declared element"
			case past && more:
				return schemaSet{}, "is past the elements the schema declares"
			}
		case seg == "":
			return schemaSet{}, "is not an array in the schema"
		case permitsObject(s):
			found, ok := property(s, names, seg, lenient)
			if !ok {
				return schemaSet{}, "is not a declared property"
			}
			for j := range found.len() {
				next.add(found.at(j))
			}
		default:
			return schemaSet{}, "is not an object in the schema"
		}
	}
	return next, ""
}

// permitsArray and permitsObject read a schema without a type as neither:
// a field name builds an array or object only where the document says so.
func permitsArray(s *openapi3.Schema) bool {
	if s.Always != nil {
		return false
	}
	return s.Type.Includes(openapi3.TypeArray) || hasItems(s)
}

func permitsObject(s *openapi3.Schema) bool {
	if s.Always != nil {
		return false
	}
	return s.Type.Includes(openapi3.TypeObject) || !freeForm(s)
}

func isIndex(s string) bool {
	if s == "" || len(s) > 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// elements adds to set the schemas of the element of s that index seg
// names. past: a tuple without items declares nothing there, which only a
// scalar may fill; none: a false schema admits nothing there. An empty
// seg appends at an index the schema cannot tell, so every element
// schema applies.
func elements(set *schemaSet, s *openapi3.Schema, seg string) (past, none bool) {
	src := arrayItems(s)
	declared := false
	add := func(e *openapi3.Schema) {
		switch {
		case e == nil || e.Always != nil && *e.Always:
		case e.Always != nil:
			none = true
		default:
			set.add(e)
		}
	}
	for j := range src.len() {
		x := src.at(j)
		if seg == "" {
			for _, ref := range x.prefix {
				if ref != nil {
					add(ref.Value)
				}
			}
			add(x.items)
			continue
		}
		i, _ := strconv.Atoi(seg)
		e, p := x.element(i)
		add(e)
		declared = declared || e != nil
		past = past || p
	}
	return past && !declared, none
}

func hasItems(s *openapi3.Schema) bool {
	src := arrayItems(s)
	return src.len() != 0
}
