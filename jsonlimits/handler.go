package jsonlimits

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/problem"
)

// ReadBody reads r's body once, bounded by max bytes, and puts an identical
// reader back so the next handler sees the body intact. A body over max is
// [ErrBodyTooLarge] and the request must be refused: the remaining bytes
// are not read.
func ReadBody(r *http.Request, max int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > max {
		return nil, &Error{Err: ErrBodyTooLarge}
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r.Body, max+1))
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, &Error{Err: ErrBodyTooLarge}
	}
	body := buf.Bytes()
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = n
	return body, nil
}

// Handler refuses a request whose body breaks a limit or does not match its
// Content-Type: 413 over MaxBody, 415 for a mismatched Content-Type, a
// charset other than UTF-8 or a refused Content-Encoding, 400 otherwise, each with the JSON pointer of the offending value. It fails
// closed: a body that cannot be read is refused. The body reaches next
// intact.
func (l *Limits) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, body, err := l.ReadRequest(r, l.maxBody)
		if err == nil {
			err = l.CheckBody(m, body)
		}
		if err != nil {
			p := Problem(err)
			l.events.Emit(r, audit.Event{
				Name: audit.ValidationFailed, Reason: p.Reason, OWASP: OWASPOf(err),
				Status: p.Status, Attrs: []slog.Attr{slog.String("pointer", pointerOf(err))},
			})
			l.errorHandler(w, r, p)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Problem turns an error from this package into the problem to send: the
// status that fits and one field error with the pointer and a short detail
// that never quotes the body.
func Problem(err error) *problem.Error {
	var e *Error
	if !errors.As(err, &e) {
		return &problem.Error{Status: http.StatusBadRequest, Detail: "The request body could not be read.", Reason: "reading body", Err: err}
	}
	status := http.StatusBadRequest
	switch e.Err {
	case ErrBodyTooLarge:
		status = http.StatusRequestEntityTooLarge
	case ErrContentType, ErrCharset, ErrEncoding:
		status = http.StatusUnsupportedMediaType
	}
	return &problem.Error{
		Status: status,
		Detail: "The request body breaks a structural limit.",
		Errors: []problem.FieldError{{Pointer: e.Pointer, Detail: e.Detail()}},
		Reason: e.Error(),
		Err:    err,
	}
}

func pointerOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Pointer
	}
	return ""
}

// OWASPOf is the OWASP API Top 10 category of an error from this package: a
// method override is function-level authorization (API5), a charset,
// encoding or byte order mark that makes the upstream read other bytes
// than the ones checked is mass assignment's way in (API3), the rest is
// resource consumption (API4).
func OWASPOf(err error) string {
	switch {
	case errors.Is(err, ErrMethodOverride):
		return audit.OWASPFunctionAuthz
	case errors.Is(err, ErrCharset), errors.Is(err, ErrEncoding), errors.Is(err, ErrBOM), errors.Is(err, ErrDecode):
		return audit.OWASPPropertyAuthz
	}
	return audit.OWASPResource
}
