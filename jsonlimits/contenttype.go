package jsonlimits

import (
	"bytes"
	"mime"
	"net/url"
	"strings"
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
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return KindJSON
	case mt == "application/x-www-form-urlencoded":
		return KindForm
	case mt == "text/plain":
		return KindText
	}
	return KindOther
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
	switch KindOf(contentType) {
	case KindJSON:
		return l.Check(body)
	case KindForm:
		if looksLikeJSON(body) || !utf8.Valid(body) {
			return &Error{Err: ErrContentType}
		}
		if _, err := url.ParseQuery(string(body)); err != nil {
			return &Error{Err: ErrContentType}
		}
		return nil
	case KindText, KindNone:
		if contentType == "" || looksLikeJSON(body) {
			return &Error{Err: ErrContentType}
		}
	}
	return nil
}

func looksLikeJSON(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
