package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/rampart-api/rampart/audit"
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
		route, params, err := v.router.FindRoute(r)
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
				v.onError(w, r, problem.New(http.StatusNotFound, "endpoint not in OpenAPI document"))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: v.options}
		if v.requests != Off {
			if p, category := v.checkRequest(r, in); p != nil {
				// A body over the bound or unreadable is refused in every
				// mode: it has been consumed and cannot be handed on.
				refuse := v.requests == Enforce || p.Status == http.StatusRequestEntityTooLarge || category == categoryUnread
				if category == categoryUnread {
					category = ""
				}
				v.events.Emit(r, audit.Event{
					Name: audit.ValidationFailed, Reason: p.Reason, OWASP: category, Status: statusIf(refuse, p.Status),
					Attrs: []slog.Attr{slog.Any("pointers", pointers(p.Errors))},
				})
				if refuse {
					v.onError(w, r, p)
					return
				}
			}
		}
		if v.responses == Off || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		// A compressed response could not be read to filter it.
		r.Header.Del("Accept-Encoding")
		rb := &responseBuffer{w: w, v: v, max: v.maxResp}
		next.ServeHTTP(rb, r)
		v.finish(rb, r, route, in)
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
// nil. The request keeps a fresh reader over the same bytes.
func (v *Validator) checkRequest(r *http.Request, in *openapi3filter.RequestValidationInput) (*problem.Error, string) {
	body, err := jsonlimits.ReadBody(r, v.maxBody)
	if err != nil {
		if errors.Is(err, jsonlimits.ErrBodyTooLarge) {
			return jsonlimits.Problem(err), audit.OWASPResource
		}
		return jsonlimits.Problem(err), categoryUnread
	}
	if v.limits != nil {
		if err := v.limits.CheckContentType(r.Header.Get("Content-Type"), body); err != nil {
			return jsonlimits.Problem(err), audit.OWASPResource
		}
	}
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
	if (err == nil && v.strict) || f.unknown {
		if value == nil && jsonlimits.KindOf(r.Header.Get("Content-Type")) == jsonlimits.KindJSON {
			_ = json.Unmarshal(body, &value)
		}
		if schema := requestSchema(in.Route, r.Header.Get("Content-Type")); schema != nil && value != nil {
			if f.unknown {
				f.dropUnknown()
			}
			undeclared(schema, value, !v.strict, false, func(p string, mismatch bool) {
				if !mismatch {
					f.props = true
					f.add(p, "is not a declared property")
				}
			})
		}
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

func requestSchema(route *routers.Route, contentType string) *openapi3.Schema {
	if route == nil || route.Operation == nil || route.Operation.RequestBody == nil || route.Operation.RequestBody.Value == nil {
		return nil
	}
	mt := route.Operation.RequestBody.Value.GetMediaType(mediaType(contentType))
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

func mediaType(contentType string) string {
	for i := 0; i < len(contentType); i++ {
		if contentType[i] == ';' {
			return contentType[:i]
		}
	}
	return contentType
}

func pointers(errs []problem.FieldError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Pointer
	}
	return out
}
