package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/internal/respwriter"
	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/problem"
)

// Handler validates each request before next and each response after it,
// per the Validator's modes. It trusts r.URL.Path to be normalised already
// (the route step does it); it fails closed: a body it cannot read, or a
// response it cannot check under filter or enforce, is refused. The request
// body reaches next intact.
func (v *Validator) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := v.findRoute(r)
		if err != nil {
			if v.inventory == Off {
				next.ServeHTTP(w, r)
				return
			}
			status := 0
			if v.inventory == Enforce {
				status = http.StatusNotFound
			}
			v.events.Emit(r, audit.Event{Name: audit.ValidationFailed, Reason: "endpoint not in OpenAPI document", OWASP: audit.OWASPInventory, Status: status})
			if v.inventory == Enforce {
				v.errorHandler(w, r, problem.New(http.StatusNotFound, "endpoint not in OpenAPI document"))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if v.requests != Off {
			if p, category := v.checkRequest(r, route, params); p != nil {
				// A body over the bound or unreadable is refused in every
				// mode: it has been consumed and cannot be handed on. So
				// is a method override: it is an authorization bypass,
				// not a shape to report.
				refuse := v.requests == Enforce || p.Status == http.StatusRequestEntityTooLarge || category == categoryUnread || category == audit.OWASPFunctionAuthz
				if category == categoryUnread {
					category = ""
				}
				v.events.Emit(r, audit.Event{
					Name: audit.ValidationFailed, Reason: p.Reason, OWASP: category, Status: statusIf(refuse, p.Status),
					Attrs: []slog.Attr{slog.Any("pointers", pointers(p.Errors))},
				})
				if refuse {
					v.errorHandler(w, r, p)
					return
				}
			}
		}
		if v.responses == Off || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		// A compressed response could not be read to filter it.
		delete(r.Header, "Accept-Encoding")
		rb := getResponseBuffer()
		defer putResponseBuffer(rb)
		rb.w, rb.v, rb.r, rb.route, rb.params, rb.max = w, v, r, route, params, v.maxResp
		rb.rw = respwriter.GetHeld(w, rb)
		defer respwriter.Put(rb.rw)
		defer rb.release()
		next.ServeHTTP(rb.rw, r)
		v.finish(rb, r)
	})
}

func statusIf(refused bool, status int) int {
	if refused {
		return status
	}
	return 0
}

// categoryUnread marks a body that could not be read.
const categoryUnread = "unread"

// checkRequest returns the problem to answer and its OWASP category, or
// nil. The request keeps a fresh reader over the same bytes (decoded, when
// the structural limits decode request encodings). Every decision reads
// the one media type parsed from the request's Content-Type.
func (v *Validator) checkRequest(r *http.Request, route *routers.Route, params match) (*problem.Error, string) {
	m, body, err := v.limits.ReadRequest(r, v.maxBody)
	if err == nil {
		err = v.limits.CheckBody(m, body)
	}
	if err != nil {
		var je *jsonlimits.Error
		if !errors.As(err, &je) {
			return jsonlimits.Problem(err), categoryUnread
		}
		return jsonlimits.Problem(err), jsonlimits.OWASPOf(err)
	}
	if p := mediaTypeProblem(route, m, body); p != nil {
		return p, audit.OWASPPropertyAuthz
	}
	if plan := v.plans[route.Operation]; plan != nil && plan.accepts(params, r) {
		// The operation takes no body (mediaTypeProblem has refused one),
		// so nothing below would find anything either.
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		return nil, ""
	}
	in := v.input(r, route, params)
	// The library reads and replaces the body; give it its own reader so
	// the one handed on is untouched.
	clone := *r
	in.Request = &clone
	if body != nil {
		clone.Body = io.NopCloser(bytes.NewReader(body))
	}
	f := &findings{max: v.maxErrors, status: http.StatusBadRequest}
	err = openapi3filter.ValidateRequest(r.Context(), in)
	var value any
	if err == nil {
		if vb, ok := clone.Body.(interface{ ValidatedValue() any }); ok {
			value = vb.ValidatedValue()
		}
	} else {
		f.collect(err, "")
	}
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	schema := requestSchema(in.Route, m.Type)
	switch {
	case schema == nil:
	case m.Kind == jsonlimits.KindForm || m.Kind == jsonlimits.KindMultipart:
		// The library decodes only the declared fields of a form and
		// ignores the rest; qs, Rack, PHP and multer read them all.
		fields, ferr := jsonlimits.FormFields(m, body, 0)
		if ferr != nil {
			return jsonlimits.Problem(ferr), ""
		}
		formFields(schema, v.patterns, fields, !v.strict, f)
	case m.Kind == jsonlimits.KindJSON || value != nil:
		// Also when lenient and the library passed the body: a name
		// that equals a declared one under case folding ("Role" beside
		// or instead of "role") is undeclared whatever admits extras,
		// since encoding/json and other upstreams that match names
		// without case read it as the declared property.
		if value == nil && m.Kind == jsonlimits.KindJSON {
			_ = json.Unmarshal(body, &value)
		}
		if value != nil {
			if f.unknown {
				f.dropUnknown()
			}
			undeclared(schema, v.patterns, value, !v.strict, false, func(p string, mismatch bool) {
				if !mismatch {
					f.props = true
					f.add(p, "is not a declared property")
				}
			})
		}
	}
	if v.strict && in.Route.Operation != nil && in.Route.Operation.RequestBody != nil {
		undeclaredQuery(in.Route, r.URL.RawQuery, f)
	}
	if len(f.errs) == 0 && err == nil {
		return nil, ""
	}
	if len(f.errs) == 0 {
		f.add("", "is invalid")
	}
	p := &problem.Error{
		Status: f.status,
		Detail: "The request does not match the API description.",
		Errors: f.errs,
		// The library's error is not kept: its text quotes the values,
		// and a password must not reach a log through it.
		Reason: "request does not match OpenAPI document",
	}
	if f.props {
		p.Reason = "request sets undeclared or read-only properties"
		return p, audit.OWASPPropertyAuthz
	}
	return p, ""
}

// input is what kin-openapi's validation reads of a request, with the
// route its engine wants (see engine.go).
func (v *Validator) input(r *http.Request, route *routers.Route, params match) *openapi3filter.RequestValidationInput {
	return &openapi3filter.RequestValidationInput{Request: r, PathParams: params.params(), Route: v.engineRoute(route), Options: v.options}
}

// undeclaredQuery finds query parameters an operation that takes a body
// does not declare: Flask's request.values, PHP's $_REQUEST and Rails'
// params merge them with the body, so ?role=admin would assign what the
// body schema refuses.
func undeclaredQuery(route *routers.Route, raw string, f *findings) {
	if raw == "" {
		return
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		f.add("query", "cannot be parsed")
		return
	}
	for name := range q {
		if !declaredQuery(route.Operation.Parameters, name) && (route.PathItem == nil || !declaredQuery(route.PathItem.Parameters, name)) {
			f.props = true
			f.add("query/"+name, "is not a declared parameter")
		}
	}
}

func declaredQuery(params openapi3.Parameters, name string) bool {
	for _, p := range params {
		if p != nil && p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Name == name {
			return true
		}
	}
	return false
}

// mediaTypeProblem refuses, with 415, a body whose media type the
// operation does not declare, and a body sent to an operation that takes
// none: an upstream that decodes JSON whatever the Content-Type (Go's
// json.Decoder on r.Body, Flask's get_json(force=True)) would read
// properties nothing checked.
func mediaTypeProblem(route *routers.Route, m jsonlimits.MediaType, body []byte) *problem.Error {
	op := route.Operation
	if op == nil {
		return nil
	}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		if len(body) == 0 {
			return nil
		}
		return unsupported("operation takes no request body")
	}
	if len(body) == 0 && m.Type == "" {
		return nil
	}
	if m.Type == "" || op.RequestBody.Value.Content.Get(m.Type) == nil {
		return unsupported("media type not declared for operation")
	}
	return nil
}

func unsupported(reason string) *problem.Error {
	return &problem.Error{
		Status: http.StatusUnsupportedMediaType,
		Detail: "The request body's media type is not accepted by this operation.",
		Errors: []problem.FieldError{{Pointer: "header/Content-Type", Detail: "media type not accepted"}},
		Reason: reason,
	}
}

// dropUnknown removes the library's object-level "property not allowed"
// findings, which the walk replaces with the property's own pointer.
func (f *findings) dropUnknown() {
	kept := f.errs[:0]
	for _, e := range f.errs {
		if e.Detail != "has a property that is not allowed" {
			kept = append(kept, e)
		}
	}
	f.errs = kept
}

// requestSchema is the schema of the operation's body for a parsed,
// lower-cased media type, matched as the library matches it (exact, then
// type/*, then */*).
func requestSchema(route *routers.Route, mediaType string) *openapi3.Schema {
	if route == nil || route.Operation == nil || route.Operation.RequestBody == nil || route.Operation.RequestBody.Value == nil || mediaType == "" {
		return nil
	}
	mt := route.Operation.RequestBody.Value.Content.Get(mediaType)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

func pointers(errs []problem.FieldError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Pointer
	}
	return out
}
