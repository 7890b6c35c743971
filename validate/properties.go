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
// only when lenient is true. When remove is true the property is deleted
// from its object. It trusts value (decoded JSON) only as data.
func undeclared(schema *openapi3.Schema, value any, pointer string, lenient, remove bool, found func(pointer string, mismatch bool)) {
	if schema == nil {
		return
	}
	switch v := value.(type) {
	case map[string]any:
		if !schema.Type.Permits(openapi3.TypeObject) {
			found(pointer, true)
			return
		}
		for k, child := range v {
			p := pointer + "/" + escape(k)
			s, ok := property(schema, k, lenient)
			if !ok {
				found(p, false)
				if remove {
					delete(v, k)
				}
				continue
			}
			undeclared(s, child, p, lenient, remove, found)
		}
	case []any:
		items := arrayItems(schema)
		if items == nil {
			if !schema.Type.Permits(openapi3.TypeArray) || !freeForm(schema) {
				found(pointer, true)
			}
			return
		}
		for i, child := range v {
			undeclared(items, child, pointer+"/"+strconv.Itoa(i), lenient, remove, found)
		}
	}
}

// property finds the schema of property k, and whether k is allowed at all.
// An allowed property with no schema to follow returns nil, true.
func property(schema *openapi3.Schema, k string, lenient bool) (*openapi3.Schema, bool) {
	allowed := false
	var open *openapi3.Schema
	var visit func(s *openapi3.Schema, depth int) *openapi3.Schema
	visit = func(s *openapi3.Schema, depth int) *openapi3.Schema {
		if s == nil || depth > 32 {
			return nil
		}
		if ref := s.Properties[k]; ref != nil {
			allowed = true
			return ref.Value
		}
		if ap := s.AdditionalProperties; ap.Schema != nil && ap.Schema.Value != nil {
			allowed = true
			if open == nil {
				open = ap.Schema.Value
			}
		} else if ap.Has != nil && *ap.Has {
			allowed = true
		} else if ap.Has == nil && (lenient || freeForm(s)) {
			allowed = true
		}
		for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, ref := range group {
				if ref == nil {
					continue
				}
				if found := visit(ref.Value, depth+1); found != nil {
					return found
				}
			}
		}
		return nil
	}
	if found := visit(schema, 0); found != nil {
		return found, true
	}
	return open, allowed
}

// freeForm reports whether s declares no properties at all, directly or
// through composition: `{}` or `{type: object}` is a free-form object whose
// properties are all declared.
func freeForm(s *openapi3.Schema) bool {
	return len(s.Properties) == 0 && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0
}

func arrayItems(schema *openapi3.Schema) *openapi3.Schema {
	if schema.Items != nil && schema.Items.Value != nil {
		return schema.Items.Value
	}
	for _, group := range [][]*openapi3.SchemaRef{schema.AllOf, schema.AnyOf, schema.OneOf} {
		for _, ref := range group {
			if ref != nil && ref.Value != nil {
				if it := arrayItems(ref.Value); it != nil {
					return it
				}
			}
		}
	}
	return nil
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
