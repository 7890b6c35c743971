package jsonlimits

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Sentinels matched with [errors.Is] on what [Limits.Check] returns.
var (
	ErrSyntax        = errors.New("jsonlimits: not valid JSON")
	ErrDepth         = errors.New("jsonlimits: nesting too deep")
	ErrArrayLength   = errors.New("jsonlimits: array too long")
	ErrStringLength  = errors.New("jsonlimits: string too long")
	ErrProperties    = errors.New("jsonlimits: too many properties")
	ErrDuplicateKey  = errors.New("jsonlimits: duplicate object key")
	ErrInvalidUTF8   = errors.New("jsonlimits: invalid UTF-8")
	ErrContentType   = errors.New("jsonlimits: content type does not match body")
	ErrBodyTooLarge  = errors.New("jsonlimits: body too large")
	errTrailingValue = fmt.Errorf("%w: data after the top-level value", ErrSyntax)
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
	}
	return "not valid JSON"
}

// frame is one open object or array.
type frame struct {
	array bool
	// n counts elements or properties so far.
	n int
	// key is the current property name (objects) for pointers.
	key string
	// keys holds the names seen, for duplicate detection.
	keys []string
	// set replaces keys once an object grows past a linear scan's worth.
	set map[string]struct{}
	// wantKey is true in an object where the next token is a name.
	wantKey bool
}

const linearKeys = 16

type scanner struct {
	rd    bytes.Reader
	stack []frame
}

var scanners = sync.Pool{New: func() any { return &scanner{stack: make([]frame, 0, 8)} }}

// Check walks the JSON document in data and returns the first violation as
// an [*Error], or nil. It trusts nothing in data, stops at the first
// violation (a deeply nested body costs MaxDepth tokens), and is safe for
// concurrent use.
func (l *Limits) Check(data []byte) error {
	s := scanners.Get().(*scanner)
	err := l.check(s, data)
	for i := range s.stack {
		s.stack[i] = frame{keys: s.stack[i].keys[:0]}
	}
	s.stack = s.stack[:0]
	s.rd.Reset(nil)
	scanners.Put(s)
	return err
}

func (l *Limits) check(s *scanner, data []byte) error {
	s.rd.Reset(data)
	dec := json.NewDecoder(&s.rd)
	dec.UseNumber()
	var prev int64
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if len(s.stack) != 0 || prev == 0 {
				return s.fail(ErrSyntax)
			}
			return nil
		}
		if err != nil {
			return s.fail(ErrSyntax)
		}
		off := dec.InputOffset()
		if len(s.stack) == 0 && prev != 0 {
			return s.fail(errTrailingValue)
		}
		raw := data[prev:off]
		prev = off
		if d, ok := tok.(json.Delim); ok {
			if d == '}' || d == ']' {
				s.pop()
				continue
			}
			if err := l.element(s); err != nil {
				return err
			}
			if len(s.stack) >= l.maxDepth {
				return s.fail(ErrDepth)
			}
			s.push(d == '[')
			continue
		}
		str, isStr := tok.(string)
		if isStr {
			if len(str) > l.maxString {
				return s.fail(ErrStringLength)
			}
			// Decoder.Token replaces invalid UTF-8 with U+FFFD; look at
			// the raw bytes to tell a literal U+FFFD from a bad byte.
			if strings.ContainsRune(str, utf8.RuneError) && !utf8.Valid(raw) {
				return s.fail(ErrInvalidUTF8)
			}
		}
		if top := s.top(); top != nil && top.wantKey {
			if err := l.key(s, top, str); err != nil {
				return err
			}
			continue
		}
		if err := l.element(s); err != nil {
			return err
		}
	}
}

// element accounts for a value about to be added to the open container.
func (l *Limits) element(s *scanner) error {
	top := s.top()
	if top == nil {
		return nil
	}
	if top.array {
		top.n++
		if top.n > l.maxArray {
			return s.fail(ErrArrayLength)
		}
		return nil
	}
	top.wantKey = true
	return nil
}

func (l *Limits) key(s *scanner, top *frame, k string) error {
	top.wantKey = false
	top.key = k
	top.n++
	if top.n > l.maxProperties {
		return s.fail(ErrProperties)
	}
	if top.set != nil {
		if _, dup := top.set[k]; dup {
			return s.fail(ErrDuplicateKey)
		}
		top.set[k] = struct{}{}
		return nil
	}
	for _, seen := range top.keys {
		if seen == k {
			return s.fail(ErrDuplicateKey)
		}
	}
	if len(top.keys) < linearKeys {
		top.keys = append(top.keys, k)
		return nil
	}
	top.set = make(map[string]struct{}, 2*linearKeys)
	for _, seen := range top.keys {
		top.set[seen] = struct{}{}
	}
	top.set[k] = struct{}{}
	return nil
}

func (s *scanner) top() *frame {
	if len(s.stack) == 0 {
		return nil
	}
	return &s.stack[len(s.stack)-1]
}

func (s *scanner) push(array bool) {
	if len(s.stack) < cap(s.stack) {
		s.stack = s.stack[:len(s.stack)+1]
		f := &s.stack[len(s.stack)-1]
		*f = frame{array: array, keys: f.keys[:0], wantKey: !array}
		return
	}
	s.stack = append(s.stack, frame{array: array, wantKey: !array})
}

func (s *scanner) pop() {
	s.stack = s.stack[:len(s.stack)-1]
	if top := s.top(); top != nil && !top.array {
		top.wantKey = true
	}
}

// fail builds the error with the pointer of the value being read.
func (s *scanner) fail(err error) error {
	var b strings.Builder
	for i := range s.stack {
		f := &s.stack[i]
		if f.array {
			if f.n == 0 {
				break
			}
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(f.n - 1))
			continue
		}
		if f.n == 0 {
			break
		}
		b.WriteByte('/')
		b.WriteString(escapePointer(f.key))
	}
	return &Error{Pointer: b.String(), Err: err}
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return pointerEscaper.Replace(s)
}
