package audit

import (
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/rs/zerolog"

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
	// z, when set, encodes the lines h would write without allocating;
	// lines with text the two encoders escape differently go through h.
	z *zerolog.Logger
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
	z := zerolog.New(w)
	return &AccessLog{h: slog.NewJSONHandler(w, nil), z: &z}
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
	if a.z != nil && a.logFast(t, r, info, status, bytes, d) {
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

// logFast writes the line through z and reports whether it did. It
// declines lines whose text the JSON handler would escape in ways z does
// not (HTML characters, non-ASCII, control characters), and times whose
// year RFC 3339 cannot write; those go through the slog handler.
func (a *AccessLog) logFast(t time.Time, r *http.Request, info *rampart.Info, status int, bytes int64, d time.Duration) bool {
	if y := t.Year(); y < 0 || y >= 10000 {
		return false
	}
	if !plain(r.Method) || !plain(r.URL.Path) {
		return false
	}
	if info != nil && (!plain(info.RequestID) || !plain(info.Route) || !plain(subject(info))) {
		return false
	}
	var tb [40]byte
	e := a.z.Log().
		Bytes("time", t.Round(0).AppendFormat(tb[:0], time.RFC3339Nano)).
		Str("level", "INFO").
		Str("msg", "request").
		Str("method", r.Method).
		Str("path", r.URL.Path).
		Int("status", status).
		Float64("duration_ms", durationMS(d)).
		Int64("bytes", bytes)
	if info != nil {
		e.Str("request_id", info.RequestID)
		if info.TraceID != ([16]byte{}) {
			var hb [32]byte
			hex.Encode(hb[:], info.TraceID[:])
			e.Bytes("trace_id", hb[:])
		}
		if info.Route != "" {
			e.Str("route", info.Route)
		}
		if info.ClientIP.IsValid() {
			var ib [64]byte
			e.Bytes("client_ip", info.ClientIP.AppendTo(ib[:0]))
		}
		if s := subject(info); s != "" {
			e.Str("subject", s)
		}
	}
	e.Send()
	return true
}

func durationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func subject(info *rampart.Info) string {
	if info.Principal == nil {
		return ""
	}
	return info.Principal.Subject
}

// plain reports whether s is printable ASCII without the characters
// log/slog escapes as HTML (<, >, &): text both encoders write alike.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
