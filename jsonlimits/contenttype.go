package jsonlimits

import (
	"bytes"
	"mime"
	"unicode/utf8"
)

// Kind is what a Content-Type says a body is.
type Kind uint8

// Body kinds.
const (
	KindOther Kind = iota
	KindJSON
	KindForm
	KindText
	KindNone
	KindMultipart
)

// KindOf classifies a Content-Type header value. application/json and any
// +json suffix are JSON; a value that does not parse is [KindOther].
func KindOf(contentType string) Kind {
	if contentType == "" {
		return KindNone
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return KindOther
	}
	return kindOfType(mt)
}

// CheckContentType reports whether body is what contentType declares, and
// applies the JSON limits to a JSON body. It refuses, with [ErrContentType]:
// a body with no Content-Type; a JSON body declared as a form or as
// text/plain (the shape of a cross-site request that dodges a CORS
// preflight); a form that does not parse or holds invalid UTF-8. Other media
// types are left to the caller. It is safe for concurrent use.
func (l *Limits) CheckContentType(contentType string, body []byte) error {
	if len(body) == 0 {
		return nil
	}
	if contentType == "" {
		return &Error{Err: ErrContentType}
	}
	m, err := ParseMediaTypeValue(contentType)
	if err != nil {
		return err
	}
	return l.CheckBody(m, body)
}

// CheckBody is [Limits.CheckContentType] on a media type parsed once by
// [ParseMediaType]. It also refuses a charset other than UTF-8 or US-ASCII
// ([ErrCharset]), a text body that starts with a byte order mark
// ([ErrBOM]), and a form or multipart body carrying a _method field
// ([ErrMethodOverride]): frameworks that honour it would run another
// method than the one authorized.
func (l *Limits) CheckBody(m MediaType, body []byte) error {
	if len(body) == 0 {
		return nil
	}
	if err := m.CheckCharset(body); err != nil {
		return err
	}
	if m.Kind != KindOther && m.Kind != KindMultipart && hasBOM(body) {
		return &Error{Err: ErrBOM}
	}
	switch m.Kind {
	case KindJSON:
		return l.Check(body)
	case KindForm, KindMultipart:
		if m.Kind == KindForm && (looksLikeJSON(body) || !utf8.Valid(body)) {
			return &Error{Err: ErrContentType}
		}
		fields, err := FormFields(m, body, l.maxProperties)
		if err != nil {
			return err
		}
		for _, f := range fields {
			if IsMethodOverrideField(f.Name) {
				return &Error{Err: ErrMethodOverride}
			}
		}
		return nil
	case KindText, KindNone:
		if m.Kind == KindNone || looksLikeJSON(body) {
			return &Error{Err: ErrContentType}
		}
	}
	return nil
}

func looksLikeJSON(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// Byte order marks of UTF-8, UTF-16 and UTF-32. A lenient parser (Python's
// json.loads on bytes, Flask's get_json) skips or honours one; the checks
// here do not, so a body that starts with one is refused.
var boms = [][]byte{{0xEF, 0xBB, 0xBF}, {0xFE, 0xFF}, {0xFF, 0xFE}, {0x00, 0x00, 0xFE, 0xFF}}

func hasBOM(body []byte) bool {
	for _, b := range boms {
		if bytes.HasPrefix(body, b) {
			return true
		}
	}
	return false
}
