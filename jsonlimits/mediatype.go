package jsonlimits

import (
	"mime"
	"net/http"
	"strings"
)

// MediaType is a request's Content-Type, parsed once so that every check
// and the upstream read the same value.
type MediaType struct {
	// Type is the lower-cased type/subtype without parameters; "" when the
	// request has no Content-Type.
	Type string
	// Charset is the lower-cased charset parameter, "" when absent.
	Charset string
	// Boundary is the multipart boundary parameter, as sent.
	Boundary string
	// Kind is what Type says the body is.
	Kind Kind
	// Canonical is the header value to forward: the type and its
	// parameters re-serialised by [mime.FormatMediaType].
	Canonical string
}

// ParseMediaType parses the Content-Type of h with [mime.ParseMediaType].
// It refuses, with [ErrContentType], more than one Content-Type header
// (upstreams disagree on which one counts), a value that does not parse and
// a parameter that appears twice. It trusts nothing in h.
func ParseMediaType(h http.Header) (MediaType, error) {
	// The key is canonical already: indexing skips the canonicalising
	// Values does on every call.
	vs := h["Content-Type"]
	switch len(vs) {
	case 0:
		return MediaType{Kind: KindNone}, nil
	case 1:
	default:
		return MediaType{}, &Error{Err: ErrContentType}
	}
	return ParseMediaTypeValue(vs[0])
}

// ParseMediaTypeValue parses one Content-Type value; see [ParseMediaType].
func ParseMediaTypeValue(v string) (MediaType, error) {
	if simpleType(v) {
		// Already canonical (application/json): what mime.ParseMediaType
		// would return, without its allocations.
		return MediaType{Type: v, Kind: kindOfType(v), Canonical: v}, nil
	}
	if strings.TrimSpace(v) == "" {
		return MediaType{}, &Error{Err: ErrContentType}
	}
	t, params, err := mime.ParseMediaType(v)
	// mime also parses dispositions ("attachment"); a media type has a
	// subtype, and a request's is never a range.
	if err != nil || !strings.Contains(t, "/") || strings.Contains(t, "*") {
		return MediaType{}, &Error{Err: ErrContentType}
	}
	m := MediaType{Type: t, Charset: strings.ToLower(params["charset"]), Boundary: params["boundary"], Kind: kindOfType(t)}
	m.Canonical = mime.FormatMediaType(t, params)
	if m.Canonical == "" {
		return MediaType{}, &Error{Err: ErrContentType}
	}
	return m, nil
}

// CheckCharset refuses, with [ErrCharset], a charset other than UTF-8 or
// US-ASCII, whatever the type: the checks read bytes as UTF-8, and an
// upstream that honours charset=utf-7 or utf-16 would read other
// properties than the ones checked. A US-ASCII body must be 7-bit.
func (m MediaType) CheckCharset(body []byte) error {
	switch m.Charset {
	case "", "utf-8":
		return nil
	case "us-ascii":
		for _, c := range body {
			if c >= 0x80 {
				return &Error{Err: ErrCharset}
			}
		}
		return nil
	}
	return &Error{Err: ErrCharset}
}

// simpleType reports whether v is a lower-case type/subtype of token
// characters without parameters.
func simpleType(v string) bool {
	slash := strings.IndexByte(v, '/')
	if slash <= 0 || slash == len(v)-1 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case i == slash:
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$&-^_.+", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func kindOfType(mt string) Kind {
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return KindJSON
	case mt == "application/x-www-form-urlencoded":
		return KindForm
	case mt == "multipart/form-data":
		return KindMultipart
	case mt == "text/plain":
		return KindText
	}
	return KindOther
}
