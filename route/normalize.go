package route

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Errors from [Normalize]. Each means the path cannot be forwarded safely.
var (
	ErrBadPath          = errors.New("route: malformed path")
	ErrEncodedSeparator = errors.New("route: encoded path separator")
	ErrBackslash        = errors.New("route: backslash in path")
	ErrSemicolon        = errors.New("route: semicolon in path")
	ErrControl          = errors.New("route: control character in path")
	ErrAboveRoot        = errors.New("route: path climbs above the root")
)

// Normalize returns the canonical form of an escaped request path (as in
// url.URL.EscapedPath): decoded for matching, and re-escaped for
// forwarding. Dot segments are resolved after decoding, so "%2e%2e" is
// "..". A path that climbs above the root is refused rather than clamped:
// no honest client sends one. It allocates only when the path is not
// already canonical.
func Normalize(escaped string) (decoded, canonical string, err error) {
	if escaped == "" || escaped[0] != '/' {
		return "", "", ErrBadPath
	}
	if isCanonical(escaped) {
		return escaped, escaped, nil
	}
	segs := make([]string, 0, 8)
	rest := escaped[1:]
	trailing := false
	for {
		var seg string
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			seg, rest = rest, ""
		} else {
			seg, rest = rest[:i], rest[i+1:]
		}
		last := i < 0
		dec, err := decodeSegment(seg)
		if err != nil {
			return "", "", err
		}
		switch dec {
		case "":
			if last {
				trailing = len(segs) > 0
			}
		case ".":
			if last {
				trailing = len(segs) > 0
			}
		case "..":
			if len(segs) == 0 {
				return "", "", ErrAboveRoot
			}
			segs = segs[:len(segs)-1]
			if last {
				trailing = len(segs) > 0
			}
		default:
			segs = append(segs, dec)
		}
		if last {
			break
		}
	}
	var d, c strings.Builder
	for _, s := range segs {
		d.WriteByte('/')
		d.WriteString(s)
		c.WriteByte('/')
		c.WriteString(url.PathEscape(s))
	}
	if trailing || len(segs) == 0 {
		d.WriteByte('/')
		c.WriteByte('/')
	}
	return d.String(), c.String(), nil
}

// isCanonical is the fast path: no escapes, no dot segments, no empty
// segments, only characters that url.PathEscape leaves alone.
func isCanonical(p string) bool {
	prevSlash := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '/':
			if prevSlash && i > 0 {
				return false
			}
			prevSlash = true
			continue
		case c == '.':
			if prevSlash {
				// a segment starting with '.' may be a dot segment
				return false
			}
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '~', c == '$', c == '&', c == '+', c == '=', c == ':', c == '@':
		default:
			return false
		}
		prevSlash = false
	}
	return true
}

func decodeSegment(seg string) (string, error) {
	needs := false
	for i := 0; i < len(seg); i++ {
		switch c := seg[i]; {
		case c == '%':
			needs = true
		case c == '\\':
			return "", ErrBackslash
		case c == ';':
			return "", ErrSemicolon
		case c < 0x20 || c == 0x7f:
			return "", ErrControl
		}
	}
	dec := seg
	if needs {
		var err error
		dec, err = url.PathUnescape(seg)
		if err != nil {
			return "", ErrBadPath
		}
		for i := 0; i < len(dec); i++ {
			switch c := dec[i]; {
			case c == '/' || c == '\\':
				return "", ErrEncodedSeparator
			case c == ';':
				return "", ErrSemicolon
			case c < 0x20 || c == 0x7f:
				return "", ErrControl
			}
		}
	}
	if !utf8.ValidString(dec) {
		return "", ErrBadPath
	}
	return dec, nil
}
