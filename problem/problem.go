package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/rampart-api/rampart"
)

// ContentType is the media type of every body this package writes.
const ContentType = "application/problem+json"

// Error is a refusal that is safe to show a client. Only Type, Title,
// Status, Detail and Errors are rendered.
type Error struct {
	// Status is the HTTP status; outside 400–599 the document is a 500.
	Status int
	// Type is a URI naming the problem; empty means "about:blank", whose
	// title is the status text.
	Type string
	// Title is a short summary; empty means the status text.
	Title string
	// Detail is shown to the client: it must name nothing internal and
	// nothing the client did not send.
	Detail string
	// Errors lists field-level problems (validation); rendered as "errors".
	Errors []FieldError
	// Header holds response headers to send with the problem, such as
	// WWW-Authenticate, Allow or Retry-After.
	Header http.Header

	// Reason is the precise internal reason ("token expired", "not
	// owner"). It goes to logs and security events, never to the client.
	Reason string
	// Err is the underlying cause, for logs; never rendered.
	Err error
}

// FieldError is one rendered validation problem.
type FieldError struct {
	// Pointer is a JSON pointer (RFC 6901) into the request, or a
	// parameter reference such as "query/limit".
	Pointer string `json:"pointer"`
	// Detail is a short reason that never quotes the offending value.
	Detail string `json:"detail"`
}

// New returns a problem with the given status and internal reason.
func New(status int, reason string) *Error {
	return &Error{Status: status, Reason: reason}
}

// Wrap returns a problem with the given status whose internal reason is
// err's text and whose cause is err.
func Wrap(status int, err error) *Error {
	return &Error{Status: status, Reason: err.Error(), Err: err}
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Reason)
	}
	return fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
}

func (e *Error) Unwrap() error { return e.Err }

// WithHeader sets a response header and returns e.
func (e *Error) WithHeader(key, value string) *Error {
	if e.Header == nil {
		e.Header = make(http.Header, 1)
	}
	e.Header.Set(key, value)
	return e
}

// As returns the *Error in err's chain, or a generic 500 problem wrapping
// err when there is none.
func As(err error) *Error {
	var p *Error
	if errors.As(err, &p) {
		return p
	}
	return &Error{Status: http.StatusInternalServerError, Reason: "internal error", Err: err}
}

// ErrorHandler renders an error as a response. Middlewares accept one so
// that plain net/http users can replace [Write].
type ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

type body struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// Write renders err as a problem document. It never renders anything but
// the public fields of an [*Error]; any other error is a generic 500.
// It is safe for concurrent use.
func Write(w http.ResponseWriter, r *http.Request, err error) {
	p := As(err)
	status := p.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	b := body{Type: p.Type, Title: p.Title, Status: status, Detail: p.Detail, Errors: p.Errors}
	if b.Type == "" {
		b.Type = "about:blank"
	}
	if b.Title == "" {
		b.Title = http.StatusText(status)
	}
	if b.Title == "" { // a status without a registered reason phrase
		b.Title = "Error"
	}
	if p.Status != status { // an out-of-range status is a programming error
		b.Detail = ""
	}
	if r != nil {
		if info := rampart.InfoFrom(r.Context()); info != nil {
			b.RequestID = info.RequestID
		}
	}
	out, mErr := json.Marshal(b)
	if mErr != nil {
		out = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
		status = http.StatusInternalServerError
	}
	h := w.Header()
	for k, v := range p.Header {
		h[k] = v
	}
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(out)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Encoding")
	h.Del("Etag")
	h.Del("Last-Modified")
	w.WriteHeader(status)
	if r == nil || r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
}
