package audit

import (
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/rampart-api/rampart"
)

// AccessLog writes one JSON line per request: method, route, path, status,
// duration, client IP, request id, bytes and, when verified, the subject.
// It never records the query string (tokens and API keys travel there),
// headers, cookies or bodies. A nil *AccessLog discards. It is safe for
// concurrent use.
type AccessLog struct {
	h   slog.Handler // nil: outcomes only go to hub
	hub *Hub
	// w, when set, receives the lines h would write, encoded by logFast
	// without allocating; lines with text that h escapes in other ways
	// than a backslash before '"' and '\\' go through h.
	w io.Writer
}

// NewAccessLog returns an access log writing to h.
func NewAccessLog(h slog.Handler) *AccessLog {
	if h == nil {
		return nil
	}
	return &AccessLog{h: h}
}

// NewJSONAccessLog returns an access log writing to w the lines
// slog.NewJSONHandler(w, nil) would write, byte for byte, at a fraction of
// the cost: each line is one Write call, encoded in a pooled buffer. w must
// be safe for concurrent use when the log is ([BufferedWriter] is).
func NewJSONAccessLog(w io.Writer) *AccessLog {
	if w == nil {
		return nil
	}
	return &AccessLog{h: slog.NewJSONHandler(w, nil), w: w}
}

// Log records one finished request.
func (a *AccessLog) Log(r *http.Request, status int, bytes int64, d time.Duration) {
	if a == nil {
		return
	}
	a.hub.Request(r, Outcome{Status: status, Bytes: bytes, Duration: d})
	if a.h == nil {
		return
	}
	ctx := r.Context()
	info := rampart.InfoFrom(ctx)
	t := now()
	if a.w != nil && a.logFast(t, r, info, status, bytes, d) {
		return
	}
	if !a.h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	rec := slog.NewRecord(t, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Float64("duration_ms", durationMS(d)),
		slog.Int64("bytes", bytes),
	)
	if info != nil {
		rec.AddAttrs(slog.String("request_id", info.RequestID))
		if info.TraceID != ([16]byte{}) {
			rec.AddAttrs(slog.String("trace_id", hex.EncodeToString(info.TraceID[:])))
		}
		if info.Route != "" {
			rec.AddAttrs(slog.String("route", info.Route))
		}
		if info.ClientIP.IsValid() {
			rec.AddAttrs(slog.String("client_ip", info.ClientIP.String()))
		}
		if s := subject(info); s != "" {
			rec.AddAttrs(slog.String("subject", s))
		}
	}
	_ = a.h.Handle(ctx, rec)
}

// logFast writes the line itself and reports whether it did. It declines
// lines whose text the JSON handler would escape beyond a backslash
// before '"' and '\\' (HTML characters, non-ASCII, control characters),
// and times whose year RFC 3339 cannot write; those go through the slog
// handler. The text is checked and copied in one pass.
func (a *AccessLog) logFast(t time.Time, r *http.Request, info *rampart.Info, status int, bytes int64, d time.Duration) bool {
	if y := t.Year(); y < 0 || y >= 10000 {
		return false
	}
	bp := lineBuffers.Get().(*[]byte)
	defer lineBuffers.Put(bp)
	b := append((*bp)[:0], `{"time":"`...)
	b = appendTime(b, t)
	b = append(b, `","level":"INFO","msg":"request","method":"`...)
	b, ok := appendPlain(b, r.Method)
	if !ok {
		return false
	}
	b = append(b, `","path":"`...)
	if b, ok = appendPlain(b, r.URL.Path); !ok {
		return false
	}
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"duration_ms":`...)
	if b, ok = appendDurationMS(b, d); !ok {
		return false
	}
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, bytes, 10)
	if info != nil {
		b = append(b, `,"request_id":"`...)
		if b, ok = appendPlain(b, info.RequestID); !ok {
			return false
		}
		b = append(b, '"')
		if info.TraceID != ([16]byte{}) {
			b = append(b, `,"trace_id":"`...)
			b = hex.AppendEncode(b, info.TraceID[:])
			b = append(b, '"')
		}
		if info.Route != "" {
			b = append(b, `,"route":"`...)
			if b, ok = appendPlain(b, info.Route); !ok {
				return false
			}
			b = append(b, '"')
		}
		if info.ClientIP.IsValid() {
			// An address's text needs no escaping but for an IPv6
			// zone, which is whatever followed the '%' (the resolvers
			// strip zones); a line with one goes through slog.
			if info.ClientIP.Zone() != "" {
				return false
			}
			b = append(b, `,"client_ip":"`...)
			b = info.ClientIP.AppendTo(b)
			b = append(b, '"')
		}
		if s := subject(info); s != "" {
			b = append(b, `,"subject":"`...)
			if b, ok = appendPlain(b, s); !ok {
				return false
			}
			b = append(b, '"')
		}
	}
	b = append(b, "}\n"...)
	if cap(b) <= maxPooledLine {
		*bp = b
	} // else the pool keeps the smaller buffer it gave: one long path must not pin its line
	_, _ = a.w.Write(b)
	return true
}

// lineBuffers hold the lines logFast encodes, each written with one Write
// call; a writer must not keep the slice (BufferedWriter copies it).
var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooledLine is the largest buffer lineBuffers keeps.
const maxPooledLine = 16 << 10

// textClass classes each byte for the access line: 0 for what the two
// encoders write differently (control characters, non-ASCII, and the
// HTML characters <, > and & that log/slog escapes), 2 for '"' and '\\',
// which both write after a backslash, 1 for the rest of printable ASCII.
// A constant: the package builds nothing at init.
const textClass = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 00–1f
	"\x01\x01\x02\x01\x01\x01\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x01\x00\x01" + // 20–3f
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x02\x01\x01\x01" + // 40–5f
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00" + // 60–7f
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 80–9f
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // a0–bf
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // c0–df
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" // e0–ff

// appendPlain appends s as the inside of a JSON string and reports
// whether it was plain, in the sense of [textClass]. A line with a text
// that is not is written by the slog handler instead.
func appendPlain(b []byte, s string) ([]byte, bool) {
	start := 0
	for i := 0; i < len(s); i++ {
		switch textClass[s[i]] {
		case 0:
			return b, false
		case 2:
			b = append(b, s[start:i]...)
			b = append(b, '\\', s[i])
			start = i + 1
		}
	}
	return append(b, s[start:]...), true
}

func durationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// appendDurationMS appends durationMS(d) as log/slog's JSON handler
// writes it (through encoding/json), without formatting a float, and
// reports whether it did. From 0 to 10^15 microseconds the quotient
// float64(µs)/1000 is the double nearest the decimal µs/1000, which has
// at most 15 significant digits, so the shortest text that reads back as
// that double is the decimal itself: whole milliseconds, then up to three
// decimals without trailing zeros. Other durations (negative, or past 31
// years) are left to the slog handler.
func appendDurationMS(b []byte, d time.Duration) ([]byte, bool) {
	us := d.Microseconds()
	if us < 0 || us >= 1e15 {
		return b, false
	}
	b = strconv.AppendInt(b, us/1000, 10)
	frac := us % 1000
	if frac == 0 {
		return b, true
	}
	digits := [3]byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 3
	for digits[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, digits[:n]...), true
}

func subject(info *rampart.Info) string {
	if info.Principal == nil {
		return ""
	}
	return info.Principal.Subject
}
