package tracing

import (
	"encoding/hex"
)

// Header names, in the canonical form net/http stores them under.
const (
	TraceparentHeader = "Traceparent"
	TracestateHeader  = "Tracestate"
)

// SpanContext is the part of a traceparent the gateway uses.
type SpanContext struct {
	TraceID [16]byte
	SpanID  [8]byte
	Sampled bool
}

// ParseTraceparent parses a traceparent header value as W3C Trace
// Context level 1 defines it: version, trace id, parent id and flags in
// lower-case hex. It refuses version ff, all-zero ids, upper-case hex,
// and for version 00 anything but exactly 55 characters; a later version
// may append fields after a dash, which are ignored. On failure it
// returns the zero SpanContext.
func ParseTraceparent(v string) (SpanContext, bool) {
	var sc SpanContext
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return sc, false
	}
	var ver [1]byte
	if !lowerHex(ver[:], v[0:2]) || ver[0] == 0xff {
		return sc, false
	}
	if ver[0] == 0 && len(v) != 55 || len(v) > 55 && v[55] != '-' {
		return sc, false
	}
	var flags [1]byte
	if !lowerHex(sc.TraceID[:], v[3:35]) || !lowerHex(sc.SpanID[:], v[36:52]) || !lowerHex(flags[:], v[53:55]) ||
		sc.TraceID == ([16]byte{}) || sc.SpanID == ([8]byte{}) {
		return SpanContext{}, false
	}
	sc.Sampled = flags[0]&1 == 1
	return sc, true
}

// lowerHex decodes s, which must be lower-case hex of exactly 2*len(dst)
// characters, into dst.
func lowerHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := nibble(s[2*i])
		lo, ok2 := nibble(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func nibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// Traceparent formats sc as a version 00 traceparent value.
func (sc SpanContext) Traceparent() string {
	var b [traceparentLen]byte
	return string(sc.appendTraceparent(b[:0]))
}

// traceparentLen is the length of a version 00 traceparent value.
const traceparentLen = 55

// appendTraceparent appends sc's traceparent value to b.
func (sc SpanContext) appendTraceparent(b []byte) []byte {
	n := len(b)
	b = append(b, "00-"...)
	b = hex.AppendEncode(b, sc.TraceID[:])
	b = append(b, '-')
	b = hex.AppendEncode(b, sc.SpanID[:])
	b = append(b, "-00"...)
	if sc.Sampled {
		b[n+traceparentLen-1] = '1'
	}
	return b
}
