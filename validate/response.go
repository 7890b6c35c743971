package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/problem"
)

// responseBuffer holds a JSON response until it is checked; any other
// response streams through untouched.
type responseBuffer struct {
	w           http.ResponseWriter
	v           *Validator
	max         int64
	status      int
	wroteHeader bool
	passthrough bool
	overflow    bool
	buf         bytes.Buffer
}

func (b *responseBuffer) Header() http.Header { return b.w.Header() }

// Unwrap lets http.ResponseController reach the real writer.
func (b *responseBuffer) Unwrap() http.ResponseWriter { return b.w }

func (b *responseBuffer) WriteHeader(status int) {
	if b.wroteHeader {
		return
	}
	if status >= 100 && status < 200 {
		b.w.WriteHeader(status)
		return
	}
	b.wroteHeader = true
	b.status = status
	if status == http.StatusNoContent || status == http.StatusNotModified ||
		jsonlimits.KindOf(b.w.Header().Get("Content-Type")) != jsonlimits.KindJSON {
		b.passthrough = true
		b.w.WriteHeader(status)
	}
}

func (b *responseBuffer) Write(p []byte) (int, error) {
	if !b.wroteHeader {
		b.WriteHeader(http.StatusOK)
	}
	if b.passthrough {
		return b.w.Write(p)
	}
	if b.overflow {
		return len(p), nil
	}
	if int64(b.buf.Len()+len(p)) > b.max {
		if b.v.responses == Report {
			// Report never blocks: what was held goes out, the rest
			// streams.
			b.passthrough = true
			b.w.Header().Del("Content-Length")
			b.w.WriteHeader(b.status)
			if _, err := b.w.Write(b.buf.Bytes()); err != nil {
				return 0, err
			}
			b.buf = bytes.Buffer{}
			return b.w.Write(p)
		}
		b.overflow = true
		b.buf = bytes.Buffer{}
		return len(p), nil
	}
	return b.buf.Write(p)
}

// Flush is a no-op while buffering: a half-checked body must not leave.
func (b *responseBuffer) Flush() {
	if b.passthrough {
		if f, ok := b.w.(http.Flusher); ok {
			f.Flush()
		}
	}
}

// finish checks and writes a buffered response. Under filter and enforce
// it fails closed: a JSON response that is too large, compressed, not JSON,
// or (for 2xx) without a declared schema becomes a 502.
func (v *Validator) finish(b *responseBuffer, r *http.Request, route *routers.Route, in *openapi3filter.RequestValidationInput) {
	if b.passthrough {
		return
	}
	if !b.wroteHeader {
		// The handler wrote nothing: an empty 200.
		b.w.WriteHeader(http.StatusOK)
		return
	}
	h := b.w.Header()
	blocking := v.responses != Report
	fail := func(reason string) {
		status := 0
		if blocking {
			status = http.StatusBadGateway
		}
		v.events.Emit(r, audit.Event{Name: audit.ValidationFailed, Reason: reason, OWASP: audit.OWASPPropertyAuthz, Status: status})
		if blocking {
			for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding"} {
				h.Del(k)
			}
			v.onError(b.w, r, problem.New(http.StatusBadGateway, reason))
			return
		}
		b.send(b.buf.Bytes())
	}
	if b.overflow {
		fail("response over buffer limit")
		return
	}
	if ce := h.Get("Content-Encoding"); ce != "" && ce != "identity" {
		fail("encoded response cannot be checked")
		return
	}
	schema := responseSchema(route, b.status, h.Get("Content-Type"))
	if schema == nil {
		if b.status >= 200 && b.status < 300 {
			fail("response has no schema in OpenAPI document")
			return
		}
		b.send(b.buf.Bytes())
		return
	}
	var value any
	dec := json.NewDecoder(bytes.NewReader(b.buf.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil || dec.More() {
		fail("response declared JSON is not JSON")
		return
	}
	var removed []string
	mismatch := false
	undeclared(schema, value, false, blocking, func(p string, m bool) {
		if m {
			mismatch = true
			return
		}
		removed = append(removed, p)
	})
	if mismatch {
		fail("response shape does not match OpenAPI document")
		return
	}
	if len(removed) > 0 {
		if len(removed) > 50 {
			removed = removed[:50]
		}
		v.events.Emit(r, audit.Event{
			Name: audit.ResponseFiltered, Reason: "undeclared response properties", OWASP: audit.OWASPPropertyAuthz,
			Attrs: []slog.Attr{slog.Any("fields", removed), slog.Bool("removed", blocking)},
		})
	}
	out := b.buf.Bytes()
	if blocking && len(removed) > 0 {
		var enc bytes.Buffer
		e := json.NewEncoder(&enc)
		e.SetEscapeHTML(false)
		if err := e.Encode(value); err != nil {
			fail("re-encoding filtered response")
			return
		}
		out = bytes.TrimSuffix(enc.Bytes(), []byte("\n"))
	}
	if v.responses != Filter {
		rin := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in,
			Status:                 b.status,
			Header:                 h,
			Body:                   io.NopCloser(bytes.NewReader(out)),
			Options:                &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SchemaValidationOptions: v.options.SchemaValidationOptions},
		}
		if err := openapi3filter.ValidateResponse(context.WithoutCancel(r.Context()), rin); err != nil {
			f := &findings{max: v.maxErrors}
			f.collect(err, "#")
			v.events.Emit(r, audit.Event{
				Name: audit.ValidationFailed, Reason: "response does not match OpenAPI document", OWASP: audit.OWASPPropertyAuthz,
				Status: statusIf(blocking, http.StatusBadGateway), Attrs: []slog.Attr{slog.Any("pointers", pointers(f.errs))},
			})
			if blocking {
				for _, k := range []string{"Content-Length", "Content-Type"} {
					h.Del(k)
				}
				v.onError(b.w, r, problem.New(http.StatusBadGateway, "response does not match OpenAPI document"))
				return
			}
		}
	}
	b.send(out)
}

func (b *responseBuffer) send(body []byte) {
	b.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	b.w.WriteHeader(b.status)
	_, _ = b.w.Write(body)
}

func responseSchema(route *routers.Route, status int, contentType string) *openapi3.Schema {
	if route == nil || route.Operation == nil || route.Operation.Responses == nil {
		return nil
	}
	ref := route.Operation.Responses.Status(status)
	if ref == nil {
		ref = route.Operation.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	mt := ref.Value.Content.Get(mediaType(contentType))
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

var (
	_ http.ResponseWriter = (*responseBuffer)(nil)
	_ http.Flusher        = (*responseBuffer)(nil)
)
