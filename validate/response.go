package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/internal/respwriter"
	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/problem"
)

// responseBuffer holds a JSON response until it is checked, and holds back
// a response the document does not allow; any other response streams
// through untouched. It is the [respwriter.Holder] of the writer the
// handler gets, which records the status and decides, by asking Hold,
// whether the response is held.
type responseBuffer struct {
	rw       *respwriter.Writer  // what the handler writes to
	w        http.ResponseWriter // what rw wraps: where the answer goes
	v        *Validator
	r        *http.Request
	route    *routers.Route
	params   match
	max      int64
	overflow bool
	// starved is set when the shared budget could not cover the buffer.
	starved bool
	// refused is why a 2xx is refused whole; its bytes are counted, not
	// kept.
	refused string
	held    int
	// schema is the response's schema, found once by Hold; nil when
	// the document gives none.
	schema *openapi3.Schema
	// buf grows only as bytes arrive; charged is its capacity, taken from
	// the validator's budget.
	buf     []byte
	charged int64
	// first is the first chunk's memory, kept with the pooled buffer:
	// most responses fit in it.
	first []byte
}

var responseBuffers = sync.Pool{New: func() any {
	return &responseBuffer{first: make([]byte, firstChunk)}
}}

// getResponseBuffer returns a pooled buffer, reset, keeping its first
// chunk.
func getResponseBuffer() *responseBuffer {
	b := responseBuffers.Get().(*responseBuffer)
	*b = responseBuffer{first: b.first}
	return b
}

// putResponseBuffer returns b to the pool once its response is written;
// nothing may hold its bytes afterwards (an io.Writer does not retain
// what it is given).
func putResponseBuffer(b *responseBuffer) {
	*b = responseBuffer{first: b.first}
	responseBuffers.Put(b)
}

// firstChunk is the capacity a response buffer starts with; it then
// doubles as bytes arrive, up to the response bound.
const firstChunk = 512

// grow makes room for n more bytes, charging the budget for the new
// capacity first. It reports false, keeping the buffer as it was, when the
// budget cannot cover it.
func (b *responseBuffer) grow(n int) bool {
	need := int64(len(b.buf) + n)
	c := min(max(2*int64(cap(b.buf)), need, firstChunk), max(b.max, need))
	if bg := b.v.budget; bg != nil && !bg.Take(c-b.charged) {
		return false
	}
	b.charged = c
	var grown []byte
	if cap(b.buf) == 0 && c <= int64(len(b.first)) {
		grown = b.first[:0:c]
	} else {
		grown = make([]byte, len(b.buf), c)
		copy(grown, b.buf)
	}
	b.buf = grown
	return true
}

// release drops the buffer and gives its bytes back to the budget.
func (b *responseBuffer) release() {
	b.buf = nil
	if b.charged != 0 && b.v.budget != nil {
		b.v.budget.Release(b.charged)
	}
	b.charged = 0
}

// Hold decides, from the final status and the headers, whether the
// response is buffered and checked or refused whole (held), or streams
// through.
func (b *responseBuffer) Hold(status int) bool {
	check, reason, schema := b.v.plan(b.route, status, b.w.Header())
	b.schema = schema
	switch {
	case reason != "" && b.v.responses == Report:
		b.v.events.Emit(b.r, audit.Event{Name: eventFor(reason), Reason: reason, OWASP: audit.OWASPPropertyAuthz})
	case reason != "":
		b.refused = reason
		return true
	case check:
		return true
	}
	return false
}

// Reasons a whole 2xx response is refused.
const (
	reasonUndeclaredType   = "response media type not declared in OpenAPI document"
	reasonNoSchema         = "response has no schema in OpenAPI document"
	reasonUndeclaredStatus = "response status not declared in OpenAPI document"
	reasonUncheckable      = "response body is not JSON but its schema declares properties"
)

func eventFor(reason string) string {
	if reason == reasonUndeclaredType || reason == reasonUncheckable {
		return audit.ResponseFiltered
	}
	return audit.ValidationFailed
}

// plan decides, from the status and headers, whether a response is
// buffered and checked (check), refused whole (a reason), or streams
// through. Every 2xx of a documented operation must carry a media type the
// document declares for it, so a JSONP, HTML or CSV rendering of the same
// data cannot carry undeclared fields past the filter. A 2xx the document
// gives no schema passes unchanged under filter and report and is refused
// under enforce; so does every response of an operation whose document
// declares no response schema at all (the common case of a document
// written for requests), since nothing says what it may carry. A 2xx
// status the document does not list is refused, and so is a 2xx that is
// not JSON under a schema the filter reads something of (an object
// schema declared under `*/*`, `application/*` or an XML type): it
// cannot be held to it. Other statuses are checked when they are JSON.
// schema is what a checked response is held to, nil when the document
// gives none.
func (v *Validator) plan(route *routers.Route, status int, h http.Header) (check bool, reason string, schema *openapi3.Schema) {
	if status == http.StatusNoContent || status == http.StatusNotModified {
		return false, "", nil
	}
	m, err := jsonlimits.ParseMediaType(h)
	isJSON := err == nil && m.Kind == jsonlimits.KindJSON
	if status < 200 || status >= 300 {
		if !isJSON {
			return false, "", nil
		}
		return true, "", responseSchema(route, status, m.Type)
	}
	if route == nil || v.unschematized[route.Operation] {
		if v.responses == Enforce {
			return false, reasonNoSchema, nil
		}
		return false, "", nil
	}
	resp := responseRef(route, status)
	switch {
	case resp == nil:
		return false, reasonUndeclaredStatus, nil
	case err != nil || m.Type == "" || len(resp.Content) == 0:
		return false, reasonUndeclaredType, nil
	}
	mt := resp.Content.Get(m.Type)
	switch {
	case mt == nil:
		return false, reasonUndeclaredType, nil
	case mt.Schema == nil || mt.Schema.Value == nil:
		if v.responses == Enforce {
			return false, reasonNoSchema, nil
		}
		return false, "", nil
	case !isJSON && v.structured[mt.Schema.Value]:
		// A document that declares `*/*`, `application/*` or XML with
		// an object schema says what the body may carry, and the filter
		// can read only JSON: an HTML page or XML rendering of the same
		// record would carry its undeclared fields past it.
		return false, reasonUncheckable, nil
	}
	return isJSON, "", mt.Schema.Value
}

// Held buffers body bytes of a held response, within the response bound
// and the shared budget.
func (b *responseBuffer) Held(p []byte) (int, error) {
	if b.refused != "" {
		b.held += len(p)
		return len(p), nil
	}
	if b.overflow || b.starved {
		return len(p), nil
	}
	over := int64(len(b.buf)+len(p)) > b.max
	if !over && len(b.buf)+len(p) > cap(b.buf) && !b.grow(len(p)) {
		if b.v.responses == Report {
			// Report never blocks: the response goes out unchecked,
			// and the event says so.
			b.v.events.Emit(b.r, audit.Event{Name: audit.ValidationFailed, Reason: reasonBudget, OWASP: audit.OWASPResource})
			return b.stream(p)
		}
		b.starved = true
		b.release()
		return len(p), nil
	}
	if over {
		if b.v.responses == Report {
			return b.stream(p)
		}
		b.overflow = true
		b.release()
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// stream gives up checking under report, which never blocks: what was
// held goes out, p and the rest stream.
func (b *responseBuffer) stream(p []byte) (int, error) {
	b.rw.Pass()
	b.w.Header().Del("Content-Length")
	b.w.WriteHeader(b.rw.Status())
	held := b.buf
	if len(held) > 0 {
		if _, err := b.w.Write(held); err != nil {
			b.release()
			return 0, err
		}
	}
	b.release()
	return b.w.Write(p)
}

// reasonBudget is why a response is refused when the memory shared by
// held responses is spent.
const reasonBudget = "response buffer budget exhausted"

// finish checks and writes a buffered response. Under filter and enforce
// it fails closed: a JSON response that is too large, compressed or not
// JSON, and a 2xx refused by [Validator.plan] that has a body, become a
// 502.
func (v *Validator) finish(b *responseBuffer, r *http.Request) {
	if !b.rw.Written() {
		// The handler wrote nothing: an empty 200.
		b.w.WriteHeader(http.StatusOK)
		return
	}
	if !b.rw.Holding() {
		return // it streamed through
	}
	h := b.w.Header()
	if b.refused != "" {
		if b.held == 0 {
			b.w.WriteHeader(b.rw.Status())
			return
		}
		v.events.Emit(r, audit.Event{Name: eventFor(b.refused), Reason: b.refused, OWASP: audit.OWASPPropertyAuthz, Status: http.StatusBadGateway})
		for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding"} {
			h.Del(k)
		}
		v.errorHandler(b.w, r, problem.New(http.StatusBadGateway, b.refused))
		return
	}
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
			v.errorHandler(b.w, r, problem.New(http.StatusBadGateway, reason))
			return
		}
		b.send(b.buf)
	}
	if b.starved {
		v.events.Emit(r, audit.Event{Name: audit.RequestRejected, Reason: reasonBudget, OWASP: audit.OWASPResource, Status: http.StatusServiceUnavailable})
		for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding"} {
			h.Del(k)
		}
		v.errorHandler(b.w, r, problem.New(http.StatusServiceUnavailable, reasonBudget).WithHeader("Retry-After", "1"))
		return
	}
	if b.overflow {
		fail("response over buffer limit")
		return
	}
	// Every value counts: a client applies each coding listed, and a
	// body that reads as JSON can still be a valid stream of another
	// coding (raw deflate and brotli have no magic number).
	for _, ce := range h["Content-Encoding"] {
		if ce != "" && ce != "identity" {
			fail("encoded response cannot be checked")
			return
		}
	}
	schema := b.schema
	if schema == nil {
		b.send(b.buf)
		return
	}
	// A body the filter would pass unchanged is sent as it came, without
	// building a tree: the stream pass holds no more than its decoder.
	// Under enforce the body is validated after, reading one occurrence
	// of a repeated name, so such a body is left to the decoding path.
	sh := v.shapes[schema]
	if sh != nil && sh.conforms(b.buf, v.responses != Enforce) {
		v.deliver(b, r, b.buf, blocking)
		return
	}
	// Decoding takes all of a core and several times the body's size in
	// memory: more decodes at once than there are cores would hold more
	// trees without finishing sooner. A waiting response keeps its
	// buffer, which the budget has charged.
	select {
	case v.decoding <- struct{}{}:
		defer func() { <-v.decoding }()
	case <-r.Context().Done():
		return
	}
	var value any
	dec := json.NewDecoder(bytes.NewReader(b.buf))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil || dec.More() {
		fail("response declared JSON is not JSON")
		return
	}
	const maxListed = 50
	var removed []string
	count, mismatch := 0, false
	unsent(schema, v.patterns, value, blocking, func(p string, m bool) {
		if m {
			mismatch = true
			return
		}
		if count++; count <= maxListed {
			removed = append(removed, p)
		}
	})
	if mismatch {
		fail("response shape does not match OpenAPI document")
		return
	}
	if count > 0 {
		v.events.Emit(r, audit.Event{
			Name: audit.ResponseFiltered, Reason: "undeclared response properties", OWASP: audit.OWASPPropertyAuthz,
			Attrs: []slog.Attr{slog.Any("fields", removed), slog.Int("count", count), slog.Bool("removed", blocking)},
		})
	}
	// A body the stream pass refused but the walk finds clean repeats a
	// name, or carries invalid UTF-8 or a stray bracket after the value.
	// The walk saw one reading of it (the last of each repeated name);
	// a client may read another, such as the first, with properties
	// nothing checked. So it leaves as the walk saw it, re-encoded.
	rewrite := count > 0 || sh != nil
	out := b.buf
	if blocking && rewrite && v.responses == Filter {
		// Nothing checks the filtered body again: the encoder's one
		// buffer goes to the client as it is, and the held bytes are
		// dropped first (they stay charged until the response is
		// written).
		b.buf = nil
		e := json.NewEncoder(sender{b})
		e.SetEscapeHTML(false)
		if err := e.Encode(value); err != nil {
			fail("re-encoding filtered response")
		}
		return
	}
	if blocking && rewrite {
		var enc bytes.Buffer
		e := json.NewEncoder(&enc)
		e.SetEscapeHTML(false)
		if err := e.Encode(value); err != nil {
			fail("re-encoding filtered response")
			return
		}
		out = bytes.TrimSuffix(enc.Bytes(), []byte("\n"))
	}
	v.deliver(b, r, out, blocking)
}

// deliver sends out, the body of a held response the filter has passed,
// after holding it to the whole schema under enforce and report.
func (v *Validator) deliver(b *responseBuffer, r *http.Request, out []byte, blocking bool) {
	h := b.w.Header()
	if v.responses != Filter {
		rin := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: v.input(r, b.route, b.params),
			Status:                 b.rw.Status(),
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
				v.errorHandler(b.w, r, problem.New(http.StatusBadGateway, "response does not match OpenAPI document"))
				return
			}
		}
	}
	b.send(out)
}

// sender sends the one encoding a json.Encoder writes, without its
// trailing newline.
type sender struct{ b *responseBuffer }

func (s sender) Write(p []byte) (int, error) {
	s.b.send(bytes.TrimSuffix(p, []byte("\n")))
	return len(p), nil
}

func (b *responseBuffer) send(body []byte) {
	// A body sent as it came usually carries its own length already.
	var n [20]byte
	length := strconv.AppendInt(n[:0], int64(len(body)), 10)
	if cl := b.w.Header()["Content-Length"]; len(cl) != 1 || cl[0] != string(length) {
		b.w.Header().Set("Content-Length", string(length))
	}
	b.w.WriteHeader(b.rw.Status())
	_, _ = b.w.Write(body)
}

// withoutResponseSchema reports whether none of op's 2xx, 2XX or default
// responses gives a schema for any media type.
func withoutResponseSchema(op *openapi3.Operation) bool {
	if op == nil || op.Responses == nil {
		return true
	}
	for code, ref := range op.Responses.Map() {
		if ref == nil || ref.Value == nil || !(code == "default" || code == "2XX" || (len(code) == 3 && code[0] == '2')) {
			continue
		}
		for _, mt := range ref.Value.Content {
			if mt != nil && mt.Schema != nil {
				return false
			}
		}
	}
	return true
}

// responseRef is the document's response for status: the exact code, the
// range (2XX), then default.
func responseRef(route *routers.Route, status int) *openapi3.Response {
	if route == nil || route.Operation == nil || route.Operation.Responses == nil {
		return nil
	}
	ref := route.Operation.Responses.Status(status)
	if ref == nil {
		ref = route.Operation.Responses.Default()
	}
	if ref == nil {
		return nil
	}
	return ref.Value
}

func responseSchema(route *routers.Route, status int, mediaType string) *openapi3.Schema {
	resp := responseRef(route, status)
	if resp == nil || mediaType == "" {
		return nil
	}
	mt := resp.Content.Get(mediaType)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

var _ respwriter.Holder = (*responseBuffer)(nil)
