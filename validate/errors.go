package validate

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/rampart-api/rampart/problem"
)

// findings collects field errors, bounded, without ever quoting a value:
// the library's own error text embeds the offending value, so details are
// rebuilt from the failing keyword and the schema alone.
type findings struct {
	max     int
	errs    []problem.FieldError
	more    bool
	status  int
	props   bool // an unknown or readOnly property: mass assignment
	unknown bool // the library reported an undeclared property
}

// maxPointer bounds a rendered pointer: property names come from the
// client and may be long.
const maxPointer = 256

func (f *findings) add(pointer, detail string) {
	if len(pointer) > maxPointer {
		pointer = pointer[:max(strings.LastIndexByte(pointer[:maxPointer], '/'), 0)]
	}
	for _, e := range f.errs {
		if e.Pointer == pointer && e.Detail == detail {
			return
		}
	}
	if len(f.errs) >= f.max {
		f.more = true
		return
	}
	f.errs = append(f.errs, problem.FieldError{Pointer: pointer, Detail: detail})
}

// collect walks the library's error tree by its concrete types: errors.As
// would skip past a RequestError to the MultiError it wraps and lose the
// parameter it names.
func (f *findings) collect(err error, prefix string) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, sub := range e {
			f.collect(sub, prefix)
		}
		return
	case *openapi3filter.RequestError:
		switch {
		case e.Parameter != nil:
			prefix = e.Parameter.In + "/" + e.Parameter.Name
		case e.RequestBody != nil:
			prefix = "#"
		}
		if strings.HasPrefix(e.Reason, "header Content-Type has unexpected value") {
			f.status = http.StatusUnsupportedMediaType
			f.add("header/Content-Type", "media type not accepted")
			return
		}
		if e.Err == nil {
			f.add(bodyPointer(prefix), "is invalid")
			return
		}
		f.collect(e.Err, prefix)
		return
	case *openapi3filter.ResponseError:
		if e.Err != nil {
			f.collect(e.Err, "#")
			return
		}
		f.add("", "is invalid")
		return
	case *openapi3.SchemaError:
		f.schemaError(e, prefix)
		return
	}
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		f.add(bodyPointer(prefix), "is required")
	case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		f.add(bodyPointer(prefix), "must not be empty")
	default:
		var pe *openapi3filter.ParseError
		var se *openapi3.SchemaError
		switch {
		case errors.As(err, &se):
			f.schemaError(se, prefix)
		case errors.As(err, &pe):
			f.add(bodyPointer(prefix), "cannot be parsed")
		default:
			f.add(bodyPointer(prefix), "is invalid")
		}
	}
}

func (f *findings) schemaError(se *openapi3.SchemaError, prefix string) {
	switch se.SchemaField {
	case "properties", "additionalProperties", "unevaluatedProperties":
		f.unknown = true
		f.props = true
	case "readOnly":
		f.props = true
	}
	if prefix != "#" && prefix != "" {
		f.add(prefix, detail(se))
		return
	}
	path := se.JSONPointer()
	if se.SchemaField == "required" && se.Schema != nil {
		// The 3.1 validator points at the object; name the missing
		// properties, as the 3.0 one does.
		if obj, ok := se.Value.(map[string]any); ok && (len(path) == 0 || hasKey(obj, path[len(path)-1])) {
			base := joinPointer(path)
			for _, k := range se.Schema.Required {
				if !hasKey(obj, k) {
					f.add(base+"/"+escape(k), "is required")
				}
			}
			return
		}
	}
	f.add(joinPointer(path), detail(se))
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

func bodyPointer(prefix string) string {
	if prefix == "#" {
		return ""
	}
	return prefix
}

// detail turns a failing keyword into a short reason built from the
// document, never from the value.
func detail(se *openapi3.SchemaError) string {
	s := se.Schema
	if s == nil {
		s = &openapi3.Schema{}
	}
	switch se.SchemaField {
	case "type":
		if s.Type != nil && len(*s.Type) > 0 {
			return "must be of type " + strings.Join(s.Type.Slice(), " or ")
		}
		return "has the wrong type"
	case "required":
		return "is required"
	case "format":
		if s.Format != "" {
			return "must be a valid " + s.Format
		}
		return "has the wrong format"
	case "pattern":
		return "does not match the required pattern"
	case "minLength":
		return "must be at least " + strconv.FormatUint(s.MinLength, 10) + " characters"
	case "maxLength":
		if s.MaxLength != nil {
			return "must be at most " + strconv.FormatUint(*s.MaxLength, 10) + " characters"
		}
		return "is too long"
	case "enum", "const":
		return "is not one of the allowed values"
	case "minimum", "exclusiveMinimum":
		return "is too small"
	case "maximum", "exclusiveMaximum":
		return "is too large"
	case "minItems":
		return "has too few items"
	case "maxItems":
		return "has too many items"
	case "uniqueItems":
		return "has duplicate items"
	case "minProperties":
		return "has too few properties"
	case "maxProperties":
		return "has too many properties"
	case "properties", "additionalProperties", "unevaluatedProperties":
		return "has a property that is not allowed"
	case "readOnly":
		return "is read-only"
	case "writeOnly":
		return "is write-only"
	case "oneOf", "anyOf", "allOf", "not":
		return "does not match the schema"
	case "nullable":
		return "must not be null"
	case "multipleOf":
		return "is not a multiple of the step"
	}
	return "is invalid"
}
