package jsonlimits

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Encoding says what happens to a request body sent with a
// Content-Encoding other than identity.
type Encoding string

// Request encodings.
const (
	// EncodingRefuse answers 415: the checks would read compressed bytes
	// that the upstream inflates into something else (the default).
	EncodingRefuse Encoding = "refuse"
	// EncodingDecode inflates gzip and deflate bodies, bounded by the body
	// limit after decoding, and hands the upstream the decoded body
	// without the Content-Encoding header, so it reads what was checked.
	EncodingDecode Encoding = "decode"
)

// ReadRequest parses r's Content-Type once ([ParseMediaType]), reads the
// body bounded by max bytes, applies the request encoding policy, and puts
// the body back so the next handler reads exactly the bytes returned. The
// Content-Type forwarded is the canonical form of the one parsed. It does
// not apply the body checks; pass the result to [Limits.CheckBody]. A nil
// Limits refuses encoded bodies. It fails closed: an error means the
// request must be refused, its body having been consumed.
func (l *Limits) ReadRequest(r *http.Request, max int64) (MediaType, []byte, error) {
	m, err := ParseMediaType(r.Header)
	if err != nil {
		return m, nil, err
	}
	if ct := r.Header["Content-Type"]; m.Canonical != "" && (len(ct) == 0 || ct[0] != m.Canonical) {
		r.Header["Content-Type"] = []string{m.Canonical}
	}
	coding, err := contentCoding(r.Header)
	if err != nil {
		return m, nil, err
	}
	body, err := ReadBody(r, max)
	if err != nil {
		return m, nil, err
	}
	if coding == "" || len(body) == 0 {
		// Nothing encoded: no upstream can read it another way.
		delete(r.Header, "Content-Encoding")
		return m, body, nil
	}
	if l == nil || l.encoding != EncodingDecode {
		return m, nil, &Error{Err: ErrEncoding}
	}
	decoded, err := decode(coding, body, max)
	if err != nil {
		return m, nil, err
	}
	r.Header.Del("Content-Encoding")
	r.Body = io.NopCloser(bytes.NewReader(decoded))
	r.ContentLength = int64(len(decoded))
	r.Header.Set("Content-Length", strconv.Itoa(len(decoded)))
	return m, decoded, nil
}

// contentCoding returns the one content coding of a request, "" for none
// or identity. Stacked codings and unknown ones are [ErrEncoding].
func contentCoding(h http.Header) (string, error) {
	var coding string
	for _, v := range h["Content-Encoding"] {
		for _, c := range strings.Split(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			switch c {
			case "", "identity":
				continue
			case "gzip", "x-gzip", "deflate":
			default:
				return "", &Error{Err: ErrEncoding}
			}
			if coding != "" {
				return "", &Error{Err: ErrEncoding}
			}
			coding = c
		}
	}
	return coding, nil
}

// decode inflates body, reading at most max+1 decoded bytes: a small body
// that inflates past max (a decompression bomb) is [ErrBodyTooLarge]
// without being inflated further. deflate is the zlib format RFC 9110
// names, as Node's zlib.createInflate and body-parser read it.
func decode(coding string, body []byte, max int64) ([]byte, error) {
	var rd io.ReadCloser
	var err error
	switch coding {
	case "gzip", "x-gzip":
		rd, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		rd, err = zlib.NewReader(bytes.NewReader(body))
	}
	if err != nil {
		return nil, &Error{Err: ErrDecode}
	}
	defer rd.Close()
	var out bytes.Buffer
	n, err := out.ReadFrom(io.LimitReader(rd, max+1))
	switch {
	case n > max:
		return nil, &Error{Err: ErrBodyTooLarge}
	case err != nil && !errors.Is(err, io.EOF):
		return nil, &Error{Err: ErrDecode}
	}
	return out.Bytes(), nil
}
