package jsonlimits

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Sentinels matched with [errors.Is] on what [Limits.Check] returns.
var (
	ErrSyntax       = errors.New("jsonlimits: not valid JSON")
	ErrDepth        = errors.New("jsonlimits: nesting too deep")
	ErrArrayLength  = errors.New("jsonlimits: array too long")
	ErrStringLength = errors.New("jsonlimits: string too long")
	ErrProperties   = errors.New("jsonlimits: too many properties")
	ErrDuplicateKey = errors.New("jsonlimits: duplicate object key")
	ErrInvalidUTF8  = errors.New("jsonlimits: invalid UTF-8")
	ErrContentType  = errors.New("jsonlimits: content type does not match body")
	ErrBodyTooLarge = errors.New("jsonlimits: body too large")
	// ErrCharset is a charset other than UTF-8 or US-ASCII.
	ErrCharset = errors.New("jsonlimits: charset not accepted")
	// ErrBOM is a text body that starts with a byte order mark.
	ErrBOM = errors.New("jsonlimits: body starts with a byte order mark")
	// ErrEncoding is a request Content-Encoding that is refused.
	ErrEncoding = errors.New("jsonlimits: content encoding not accepted")
	// ErrDecode is a compressed body that does not decompress.
	ErrDecode = errors.New("jsonlimits: body cannot be decoded")
	// ErrMethodOverride is a _method field in a form body.
	ErrMethodOverride = errors.New("jsonlimits: method override field in body")
	errTrailingValue  = fmt.Errorf("%w: data after the top-level value", ErrSyntax)
)

// Error is a limit violation at a place in the body.
type Error struct {
	// Pointer is the RFC 6901 JSON pointer of the offending value ("" is
	// the whole body).
	Pointer string
	// Err is one of the package sentinels.
	Err error
}

func (e *Error) Error() string {
	if e.Pointer == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + " at " + strconv.Quote(e.Pointer)
}

func (e *Error) Unwrap() error { return e.Err }

// Detail is a short reason safe to show a client: it never contains a value
// from the body.
func (e *Error) Detail() string {
	switch e.Err {
	case ErrDepth:
		return "nesting too deep"
	case ErrArrayLength:
		return "array too long"
	case ErrStringLength:
		return "string too long"
	case ErrProperties:
		return "too many properties"
	case ErrDuplicateKey:
		return "duplicate key"
	case ErrInvalidUTF8:
		return "invalid UTF-8"
	case ErrContentType:
		return "content type does not match body"
	case ErrBodyTooLarge:
		return "body too large"
	case ErrCharset:
		return "charset not accepted"
	case ErrBOM:
		return "byte order mark not accepted"
	case ErrEncoding:
		return "content encoding not accepted"
	case ErrDecode:
		return "body cannot be decoded"
	case ErrMethodOverride:
		return "method override not accepted"
	}
	return "not valid JSON"
}

// checker is a reusable decoder. jsontext (the module form of Go's
// encoding/json/v2) reads tokens and raw values without allocating, rejects
// duplicate names itself and tracks the JSON pointer of the value being
// read; encoding/json's Decoder.Token cost 12 times the time and 800
// allocations for a 1 KB body.
type checker struct {
	rd  bytes.Reader
	dec *jsontext.Decoder
}

var checkers = sync.Pool{New: func() any {
	c := new(checker)
	c.dec = jsontext.NewDecoder(&c.rd)
	return c
}}

// Invalid UTF-8 is checked here rather than by the decoder so that it gets
// its own sentinel; duplicate names are left to the decoder (its default).
var decodeOptions = jsontext.AllowInvalidUTF8(true)

// Check walks the JSON document in data and returns the first violation as
// an [*Error], or nil. It trusts nothing in data, stops at the first
// violation (a deeply nested body costs MaxDepth tokens), and is safe for
// concurrent use.
func (l *Limits) Check(data []byte) error {
	c := checkers.Get().(*checker)
	c.rd.Reset(data)
	c.dec.Reset(&c.rd, decodeOptions)
	err := l.check(c.dec)
	c.rd.Reset(nil)
	c.dec.Reset(&c.rd)
	checkers.Put(c)
	return err
}

func (l *Limits) check(d *jsontext.Decoder) error {
	done := false
	for {
		switch d.PeekKind() {
		case 0:
			_, err := d.ReadToken()
			if err == io.EOF && done {
				return nil
			}
			return syntaxError(d, err)
		case '}', ']':
			if _, err := d.ReadToken(); err != nil {
				return syntaxError(d, err)
			}
			done = d.StackDepth() == 0
		case '{', '[':
			if done {
				return fail(d, errTrailingValue)
			}
			if _, err := d.ReadToken(); err != nil {
				return syntaxError(d, err)
			}
			if d.StackDepth() > l.maxDepth {
				return fail(d, ErrDepth)
			}
			if err := l.count(d, d.StackDepth()-1); err != nil {
				return err
			}
		default:
			if done {
				return fail(d, errTrailingValue)
			}
			v, err := d.ReadValue()
			if err != nil {
				return syntaxError(d, err)
			}
			if v.Kind() == '"' {
				var bad error
				if len(v)-2 > l.maxString {
					if u, err := jsontext.AppendUnquote(nil, v); err != nil || len(u) > l.maxString {
						bad = ErrStringLength
					}
				}
				if bad == nil && !utf8.Valid(v) {
					bad = ErrInvalidUTF8
				}
				if bad != nil {
					// A bad name is reported at its object: the pointer
					// must not carry the long or broken name back.
					at := d.StackPointer()
					if kind, n := d.StackIndex(d.StackDepth()); kind == '{' && n%2 == 1 {
						at = at.Parent()
					}
					return &Error{Pointer: safePointer(at), Err: bad}
				}
			}
			if err := l.count(d, d.StackDepth()); err != nil {
				return err
			}
			done = d.StackDepth() == 0
		}
	}
}

// count checks the size of the container at depth after a value was added.
func (l *Limits) count(d *jsontext.Decoder, depth int) error {
	if depth == 0 {
		return nil
	}
	kind, n := d.StackIndex(depth)
	switch {
	case kind == '[' && n > int64(l.maxArray):
		return fail(d, ErrArrayLength)
	case kind == '{' && n%2 == 1 && (n+1)/2 > int64(l.maxProperties):
		return fail(d, ErrProperties)
	}
	return nil
}

func fail(d *jsontext.Decoder, err error) error {
	return &Error{Pointer: safePointer(d.StackPointer()), Err: err}
}

// maxPointer bounds a pointer rendered to a client; a longer one is cut to
// its longest prefix of whole tokens, so names up to MaxString long are
// never echoed in full.
const maxPointer = 256

func safePointer(p jsontext.Pointer) string {
	for len(p) > maxPointer {
		p = p.Parent()
	}
	return string(p)
}

func syntaxError(d *jsontext.Decoder, err error) error {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		if errors.Is(se.Err, jsontext.ErrDuplicateName) {
			return &Error{Pointer: safePointer(se.JSONPointer), Err: ErrDuplicateKey}
		}
		return &Error{Pointer: safePointer(se.JSONPointer), Err: ErrSyntax}
	}
	return &Error{Pointer: safePointer(d.StackPointer()), Err: ErrSyntax}
}
