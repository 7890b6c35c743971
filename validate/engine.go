package validate

import (
	"errors"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// kin-openapi validates a schema of an OpenAPI 3.1 document by converting
// it to a JSON Schema 2020-12 document and compiling that on every call,
// which costs far more than the check itself. Its OpenAPI 3.0 schema
// walker reads the schema as loaded, and reads the way 3.1 writes the
// keywords both versions share (type lists including "null", numeric
// exclusiveMinimum and exclusiveMaximum) the same way 3.1 does.
//
// So an operation of a 3.1 document whose every schema uses only those
// shared keywords is validated by the walker, against a copy of the
// document that reads as 3.0; an operation with any schema that uses a
// keyword only 3.1 gives a meaning to, or one the two read differently
// (nullable, discriminator, unknown keywords), keeps the 2020-12
// validator. The choice is made once per operation at load.

// sharedKeywordsOnly reports whether every schema op reads (parameters,
// request bodies, responses and their headers) uses only keywords both of
// kin-openapi's schema validators read the same way.
func sharedKeywordsOnly(item *openapi3.PathItem, op *openapi3.Operation) bool {
	var refs []*openapi3.SchemaRef
	params := func(ps openapi3.Parameters) {
		for _, p := range ps {
			if p == nil || p.Value == nil {
				continue
			}
			refs = append(refs, p.Value.Schema)
			for _, mt := range p.Value.Content {
				if mt != nil {
					refs = append(refs, mt.Schema)
				}
			}
		}
	}
	content := func(c openapi3.Content) {
		for _, mt := range c {
			if mt != nil {
				refs = append(refs, mt.Schema)
			}
		}
	}
	params(item.Parameters)
	params(op.Parameters)
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		content(op.RequestBody.Value.Content)
	}
	if op.Responses != nil {
		for _, resp := range op.Responses.Map() {
			if resp == nil || resp.Value == nil {
				continue
			}
			content(resp.Value.Content)
			for _, h := range resp.Value.Headers {
				if h != nil && h.Value != nil {
					refs = append(refs, h.Value.Schema)
					content(h.Value.Content)
				}
			}
		}
	}
	for _, ref := range refs {
		if ref == nil {
			continue
		}
		err := ref.WalkSubtree(func(_ string, sr *openapi3.SchemaRef) error {
			if sr.Value == nil || !sharedOnly(sr.Value) {
				return errNotShared
			}
			return nil
		})
		if err != nil {
			return false
		}
	}
	return true
}

var errNotShared = errors.New("schema uses a keyword only JSON Schema 2020-12 reads")

// sharedOnly reports whether s, by itself, uses only keywords both
// validators read the same way.
func sharedOnly(s *openapi3.Schema) bool {
	if s.Const != nil || len(s.PrefixItems) != 0 || s.Contains != nil ||
		s.MinContains != nil || s.MaxContains != nil ||
		len(s.PatternProperties) != 0 || len(s.DependentSchemas) != 0 ||
		s.PropertyNames != nil ||
		s.UnevaluatedItems.Has != nil || s.UnevaluatedItems.Schema != nil ||
		s.UnevaluatedProperties.Has != nil || s.UnevaluatedProperties.Schema != nil ||
		s.If != nil || s.Then != nil || s.Else != nil ||
		len(s.DependentRequired) != 0 || len(s.Defs) != 0 ||
		s.ContentSchema != nil || s.Always != nil ||
		s.SchemaID != "" || s.Anchor != "" || s.DynamicRef != "" || s.DynamicAnchor != "" ||
		s.SchemaDialect != "" {
		return false
	}
	// nullable means nothing in 3.1 but null in the 3.0 walker; a
	// discriminator steers the walker's oneOf but is an annotation in 3.1.
	if s.Nullable || s.Discriminator != nil {
		return false
	}
	for k := range s.Extensions {
		if !strings.HasPrefix(k, "x-") {
			return false
		}
	}
	return true
}

// walkerRoutes finds, for a 3.1 document, the operations sharedKeywordsOnly
// accepts, and returns the copy of doc their routes are given.
func walkerRoutes(doc *openapi3.T) (*openapi3.T, map[*openapi3.Operation]bool) {
	if doc == nil || !doc.IsOpenAPI31OrLater() || doc.Paths == nil {
		return nil, nil
	}
	ops := map[*openapi3.Operation]bool{}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		if item == nil {
			continue
		}
		for _, op := range item.Operations() {
			if sharedKeywordsOnly(item, op) {
				ops[op] = true
			}
		}
	}
	if len(ops) == 0 {
		return nil, nil
	}
	as30 := *doc
	as30.OpenAPI = "3.0.3"
	return &as30, ops
}

// engineRoute returns route, or for an operation the walker validates, a
// copy of it whose document reads as 3.0.
func (v *Validator) engineRoute(route *routers.Route) *routers.Route {
	if v.as30 == nil || route == nil || !v.walked[route.Operation] {
		return route
	}
	r := *route
	r.Spec = v.as30
	return &r
}
