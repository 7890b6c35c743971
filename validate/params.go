package validate

import (
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// Most operations a client calls take no body and one or two path
// parameters, an id or a slug. kin-openapi's request validation decodes
// each parameter through its serialization machinery and walks its schema
// with fresh settings on every call, and checks security requirements
// that, with the gateway's authenticators in front, never fail; for
// GET /notes/{id} that is most of the request's validation cost.
//
// A paramPlan is compiled once per operation whose inputs it can hold
// exactly: no request body; path, query and header parameters of type
// integer or string with only bounds as constraints (other optional query
// parameters only while the request has no query); and security
// requirements that are met by declaration alone. It only ever accepts: a
// value it does not recognise as valid (a number past 2^53, an empty
// value, a repeated query parameter or header, a query that does not
// parse) sends the request down kin-openapi's path, which answers as it
// always has, with the same 400 and the same event.

// paramPlan accepts the parameters of one operation.
type paramPlan struct {
	path, query, header []param
	// opaqueQuery: the operation declares an optional query parameter
	// the plan cannot check; the plan holds only for a request without
	// a query.
	opaqueQuery bool
}

// param is one parameter's schema, reduced to what it checks.
type param struct {
	// name is the path or query parameter's name, or the header's
	// canonical key.
	name     string
	required bool
	integer  bool // else string
	int32    bool
	// minimum and maximum, inclusive or exclusive; nil when absent.
	min, max         *float64
	minExcl, maxExcl *float64
	minLength        uint64
	maxLength        *uint64
}

// compileParams returns the plan of op under item, or nil when a
// parameter, the security requirements or a body need kin-openapi.
func compileParams(doc *openapi3.T, item *openapi3.PathItem, op *openapi3.Operation) *paramPlan {
	if op == nil || op.RequestBody != nil || !securityMet(doc, op) {
		return nil
	}
	plan := &paramPlan{}
	var params []*openapi3.Parameter
	for _, ref := range op.Parameters {
		if ref == nil || ref.Value == nil {
			return nil
		}
		params = append(params, ref.Value)
	}
	if item != nil {
		for _, ref := range item.Parameters {
			if ref == nil || ref.Value == nil {
				return nil
			}
			if op.Parameters.GetByInAndName(ref.Value.In, ref.Value.Name) == nil {
				params = append(params, ref.Value)
			}
		}
	}
	for _, p := range params {
		pp, ok := compileParam(p)
		switch {
		case p.In == openapi3.ParameterInQuery && !ok && !p.Required:
			plan.opaqueQuery = true
		case !ok:
			return nil
		case p.In == openapi3.ParameterInPath:
			plan.path = append(plan.path, pp)
		case p.In == openapi3.ParameterInQuery:
			plan.query = append(plan.query, pp)
		case p.In == openapi3.ParameterInHeader:
			pp.name = http.CanonicalHeaderKey(pp.name)
			plan.header = append(plan.header, pp)
		default:
			return nil
		}
	}
	return plan
}

// securityMet reports whether op's security requirements (or the
// document's) pass kin-openapi's check with a no-op authenticator: there
// are none, or one names only declared schemes.
func securityMet(doc *openapi3.T, op *openapi3.Operation) bool {
	srs := op.Security
	if srs == nil {
		srs = &doc.Security
	}
	if len(*srs) == 0 {
		return true
	}
	var schemes openapi3.SecuritySchemes
	if doc.Components != nil {
		schemes = doc.Components.SecuritySchemes
	}
	for _, sr := range *srs {
		met := true
		for name := range sr {
			if ref := schemes[name]; ref == nil || ref.Value == nil {
				met = false
			}
		}
		if met {
			return true
		}
	}
	return false
}

// compileParam reduces a path, query or header parameter whose value
// kin-openapi reads as one primitive; false for any other.
func compileParam(p *openapi3.Parameter) (param, bool) {
	switch {
	case p.Content != nil || p.AllowEmptyValue || p.AllowReserved || p.Schema == nil || p.Schema.Value == nil:
		return param{}, false
	case p.In == openapi3.ParameterInPath:
		if !p.Required || (p.Style != "" && p.Style != openapi3.SerializationSimple) || (p.Explode != nil && *p.Explode) {
			return param{}, false
		}
	case p.In == openapi3.ParameterInQuery:
		if p.Style != "" && p.Style != openapi3.SerializationForm {
			return param{}, false
		}
	case p.In == openapi3.ParameterInHeader:
		if p.Style != "" && p.Style != openapi3.SerializationSimple {
			return param{}, false
		}
	default:
		return param{}, false
	}
	s := p.Schema.Value
	// Everything but the keywords below must be absent: a keyword this
	// plan does not check would be skipped.
	rest := *s
	rest.Title, rest.Description, rest.Comment = "", "", ""
	rest.Example, rest.Examples, rest.ExternalDocs, rest.Deprecated = nil, nil, nil, false
	rest.Origin = nil
	for k := range s.Extensions {
		if !strings.HasPrefix(k, "x-") {
			return param{}, false
		}
	}
	rest.Extensions = nil
	rest.Type, rest.Format = nil, ""
	rest.Min, rest.Max = nil, nil
	rest.ExclusiveMin, rest.ExclusiveMax = openapi3.ExclusiveBound{}, openapi3.ExclusiveBound{}
	rest.MinLength, rest.MaxLength = 0, nil
	if !reflect.DeepEqual(rest, openapi3.Schema{}) || s.Type == nil || len(*s.Type) != 1 {
		return param{}, false
	}
	pp := param{name: p.Name, required: p.Required}
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		if s.Format != "" && s.Format != "int32" && s.Format != "int64" || s.MinLength != 0 || s.MaxLength != nil {
			return param{}, false
		}
		pp.integer = true
		pp.int32 = s.Format == "int32"
		pp.min, pp.max = s.Min, s.Max
		// 3.0 writes an exclusive bound as a flag on minimum, 3.1 as a
		// number of its own; either way the value must be past it.
		var ok bool
		if pp.minExcl, ok = exclusive(s.ExclusiveMin, s.Min); !ok {
			return param{}, false
		}
		if pp.maxExcl, ok = exclusive(s.ExclusiveMax, s.Max); !ok {
			return param{}, false
		}
	case s.Type.Is(openapi3.TypeString):
		if s.Format != "" || s.Min != nil || s.Max != nil || s.ExclusiveMin.IsSet() || s.ExclusiveMax.IsSet() {
			return param{}, false
		}
		pp.minLength, pp.maxLength = s.MinLength, s.MaxLength
	default:
		return param{}, false
	}
	return pp, true
}

// exclusive returns the exclusive bound eb sets, nil for none; false for
// a form it does not know.
func exclusive(eb openapi3.ExclusiveBound, bound *float64) (*float64, bool) {
	switch {
	case !eb.IsSet():
		return nil, true
	case eb.Value != nil:
		return eb.Value, true
	case eb.Bool != nil && !*eb.Bool:
		return nil, true
	case eb.Bool != nil && bound != nil:
		return bound, true
	}
	return nil, false
}

// accepts reports whether kin-openapi would find nothing wrong with the
// parameters of r, whose path parameters are pathParams. It reads r and
// changes nothing, and is safe for concurrent use.
func (plan *paramPlan) accepts(pathParams match, r *http.Request) bool {
	rawQuery := r.URL.RawQuery
	if plan.opaqueQuery && rawQuery != "" {
		return false
	}
	for i := range plan.path {
		raw, ok := pathParams.param(plan.path[i].name)
		if !ok || !plan.path[i].accepts(raw) {
			return false
		}
	}
	if len(plan.query) != 0 {
		var q url.Values
		if rawQuery != "" {
			// The library reads what ParseQuery keeps of a query it
			// cannot parse whole; such a query is left to it.
			var err error
			if q, err = url.ParseQuery(rawQuery); err != nil {
				return false
			}
		}
		for i := range plan.query {
			if !plan.query[i].acceptsValues(q[plan.query[i].name]) {
				return false
			}
		}
	}
	for i := range plan.header {
		if !plan.header[i].acceptsValues(r.Header[plan.header[i].name]) {
			return false
		}
	}
	return true
}

// acceptsValues holds the values a query parameter or header was sent
// with: absent is fine unless required; one value is checked; a repeated
// one, which the library reads its own way, is not accepted.
func (p *param) acceptsValues(values []string) bool {
	switch len(values) {
	case 0:
		return !p.required
	case 1:
		return p.accepts(values[0])
	}
	return false
}

func (p *param) accepts(raw string) bool {
	if p.integer {
		bits := 64
		if p.int32 {
			bits = 32
		}
		// kin-openapi parses the same way; past 2^53 a float64 no
		// longer holds every integer, and the bounds are not risked.
		n, err := strconv.ParseInt(raw, 10, bits)
		if err != nil || n < -1<<53 || n > 1<<53 {
			return false
		}
		f := float64(n)
		return (p.min == nil || f >= *p.min) && (p.max == nil || f <= *p.max) &&
			(p.minExcl == nil || f > *p.minExcl) && (p.maxExcl == nil || f < *p.maxExcl)
	}
	if raw == "" || !utf8.ValidString(raw) {
		return false
	}
	if p.minLength == 0 && p.maxLength == nil {
		return true
	}
	// Code points and UTF-16 units differ past the BMP; a length must
	// hold under both readings.
	points, units := 0, 0
	for _, r := range raw {
		points++
		units += utf16Len(r)
	}
	return uint64(points) >= p.minLength && (p.maxLength == nil || uint64(units) <= *p.maxLength)
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
