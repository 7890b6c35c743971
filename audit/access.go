package audit

import (
	"encoding/hex"
	"log/slog"
	"net/http"
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
}

// NewAccessLog returns an access log writing to h.
func NewAccessLog(h slog.Handler) *AccessLog {
	if h == nil {
		return nil
	}
	return &AccessLog{h: h}
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
	if !a.h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	rec := slog.NewRecord(now(), slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.Int64("bytes", bytes),
	)
	if info := rampart.InfoFrom(ctx); info != nil {
		// One AddAttrs call: the record grows its attribute storage once.
		var buf [5]slog.Attr
		more := append(buf[:0], slog.String("request_id", info.RequestID))
		if info.TraceID != ([16]byte{}) {
			more = append(more, slog.String("trace_id", hex.EncodeToString(info.TraceID[:])))
		}
		if info.Route != "" {
			more = append(more, slog.String("route", info.Route))
		}
		if info.ClientIP.IsValid() {
			more = append(more, slog.String("client_ip", info.ClientIP.String()))
		}
		if info.Principal != nil && info.Principal.Subject != "" {
			more = append(more, slog.String("subject", info.Principal.Subject))
		}
		rec.AddAttrs(more...)
	}
	_ = a.h.Handle(ctx, rec)
}
