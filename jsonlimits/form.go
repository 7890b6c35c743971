package jsonlimits

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
)

// Field is one field name of a form or multipart body and how many times
// it appears.
type Field struct {
	Name  string
	Count int
}

// FormFields lists the field names of an application/x-www-form-urlencoded
// or multipart/form-data body, decoded as Go's url.ParseQuery and
// mime/multipart decode them, in order of first appearance. A body that
// does not parse (a bad escape, a ';' separator, a part without a
// form-data name) is [ErrContentType]; more than maxFields distinct names
// is [ErrProperties]. Values are not kept. It trusts nothing in body.
func FormFields(m MediaType, body []byte, maxFields int) ([]Field, error) {
	var fields []Field
	index := map[string]int{}
	add := func(name string) error {
		if i, ok := index[name]; ok {
			fields[i].Count++
			return nil
		}
		if maxFields > 0 && len(fields) >= maxFields {
			return &Error{Err: ErrProperties}
		}
		index[name] = len(fields)
		fields = append(fields, Field{Name: name, Count: 1})
		return nil
	}
	switch m.Kind {
	case KindForm:
		for s := string(body); s != ""; {
			var seg string
			seg, s, _ = strings.Cut(s, "&")
			if seg == "" {
				continue
			}
			if strings.Contains(seg, ";") {
				return nil, &Error{Err: ErrContentType}
			}
			key, value, _ := strings.Cut(seg, "=")
			name, err := url.QueryUnescape(key)
			if err != nil {
				return nil, &Error{Err: ErrContentType}
			}
			if _, err := url.QueryUnescape(value); err != nil {
				return nil, &Error{Err: ErrContentType}
			}
			if err := add(name); err != nil {
				return nil, err
			}
		}
	case KindMultipart:
		if m.Boundary == "" {
			return nil, &Error{Err: ErrContentType}
		}
		mr := multipart.NewReader(bytes.NewReader(body), m.Boundary)
		for {
			p, err := mr.NextPart()
			// A clean end is io.EOF itself; a wrapped EOF is a body that
			// ended before its closing boundary.
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, &Error{Err: ErrContentType}
			}
			name := p.FormName()
			_ = p.Close()
			if name == "" {
				return nil, &Error{Err: ErrContentType}
			}
			if err := add(name); err != nil {
				return nil, err
			}
		}
	}
	return fields, nil
}

// ParseFieldName splits a form field name written in the bracket notation
// of qs, Rack, PHP and multer (user[role], tags[], a[0][b]) into its base
// name and its bracket segments ("" for []). A name without brackets has no
// segments. ok is false when the brackets are not well formed (a stray [
// or ], text after a closing bracket, an empty base): such a name means
// different things to different parsers.
func ParseFieldName(name string) (base string, segments []string, ok bool) {
	i := strings.IndexAny(name, "[]")
	if i < 0 {
		return name, nil, name != ""
	}
	if i == 0 || name[i] == ']' {
		return "", nil, false
	}
	base, rest := name[:i], name[i:]
	for rest != "" {
		if rest[0] != '[' {
			return "", nil, false
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", nil, false
		}
		seg := rest[1:end]
		if strings.ContainsAny(seg, "[") {
			return "", nil, false
		}
		segments = append(segments, seg)
		rest = rest[end+1:]
	}
	return base, segments, true
}

// IsMethodOverrideField reports whether a query or form field name is the
// _method override that Express's method-override, Rails, Laravel and
// Symfony read, in any letter case and with any bracket suffix.
func IsMethodOverrideField(name string) bool {
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	return strings.EqualFold(strings.TrimSpace(name), "_method")
}
