package validate

import (
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rampart-api/rampart/jsonlimits"
)

// formFields holds the field names of a form or multipart body to schema
// as strictly as a JSON body's properties: every name declared, bracket
// notation (user[role], tags[]) only where the schema declares the object
// or array it builds in qs, Rack, PHP or multer, and a repeated name only
// where the schema declares an array. lenient has the meaning it has for
// [undeclared]. Findings never quote a value.
func formFields(schema *openapi3.Schema, pats namePatterns, fields []jsonlimits.Field, lenient bool, f *findings) {
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
		set, declared := property(schema, pats, base, lenient)
		s := set.first()
		if !declared {
			f.props = true
			f.add(pointer, "is not a declared property")
			continue
		}
		for _, seg := range segs {
			if s == nil {
				// Admitted by a schema-less additionalProperties.
				break
			}
			switch {
			case (seg == "" || isIndex(seg)) && permitsArray(s):
				s = elements(s)
				continue
			case seg == "":
				f.props = true
				f.add(pointer, "is not an array in the schema")
			case permitsObject(s):
				next, ok := property(s, pats, seg, lenient)
				if ok {
					s = next.first()
					continue
				}
				f.props = true
				f.add(pointer, "is not a declared property")
			default:
				f.props = true
				f.add(pointer, "is not an object in the schema")
			}
			s = nil
			declared = false
			break
		}
		appends := len(segs) > 0 && segs[len(segs)-1] == ""
		if declared && fd.Count > 1 && !appends && s != nil && !permitsArray(s) {
			f.props = true
			f.add(pointer, "is repeated but not an array in the schema")
		}
	}
}

// permitsArray and permitsObject read a schema without a type as neither:
// a field name builds an array or object only where the document says so.
func permitsArray(s *openapi3.Schema) bool {
	return (!s.Type.IsEmpty() && s.Type.Permits(openapi3.TypeArray)) || elements(s) != nil
}

func permitsObject(s *openapi3.Schema) bool {
	return (!s.Type.IsEmpty() && s.Type.Permits(openapi3.TypeObject)) || !freeForm(s)
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

// elements is the schema of an array's elements a field name builds:
// its items, or the first prefixItems entry when it has no items.
func elements(s *openapi3.Schema) *openapi3.Schema {
	prefix, items := arrayItems(s)
	if items == nil && len(prefix) != 0 && prefix[0] != nil {
		return prefix[0].Value
	}
	return items
}
