package audit

import (
	"context"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/rampart-api/rampart"
)

// Event names. Later features add their own; these are the shared ones.
const (
	RequestRejected       = "request.rejected"
	AuthFailed            = "auth.failed"
	AuthzDenied           = "authz.denied"
	RateLimitExceeded     = "ratelimit.exceeded"
	BruteForceLocked      = "bruteforce.locked"
	ValidationFailed      = "validation.failed"
	WAFBlocked            = "waf.blocked"
	ResponseFiltered      = "response.filtered"
	UpstreamErrorScrubbed = "upstream.error_scrubbed"
	UpstreamUnavailable   = "upstream.unavailable"
	StoreUnavailable      = "store.unavailable"
	StoreRecovered        = "store.recovered"
	PanicRecovered        = "panic.recovered"
	ConfigReloaded        = "config.reloaded"
	ConfigRejected        = "config.rejected"
	// MethodOverrideIgnored is a method override header removed from a
	// request on a route that does not allow overrides; the request goes
	// on with its own method.
	MethodOverrideIgnored = "method_override.ignored"
)

// OWASP API Security Top 10 (2023) categories, for the "owasp" field.
const (
	OWASPBOLA           = "API1:2023"
	OWASPAuth           = "API2:2023"
	OWASPPropertyAuthz  = "API3:2023"
	OWASPResource       = "API4:2023"
	OWASPFunctionAuthz  = "API5:2023"
	OWASPBusinessFlows  = "API6:2023"
	OWASPSSRF           = "API7:2023"
	OWASPMisconfig      = "API8:2023"
	OWASPInventory      = "API9:2023"
	OWASPUnsafeConsumer = "API10:2023"
)

// Event is one security event.
type Event struct {
	// Name is the event type, e.g. [AuthFailed].
	Name string
	// Reason is precise and internal: "token expired", "not owner".
	Reason string
	// OWASP is the API Top 10 category, e.g. [OWASPBOLA].
	OWASP string
	// Status is the HTTP status the client got, when there was one.
	Status int
	// Attrs carry event-specific fields. Callers must never put a token,
	// secret, password or body value here; as a second line of defence,
	// string values pass through [Redact].
	Attrs []slog.Attr
}

// Logger emits security events. A nil *Logger discards them. It is safe for
// concurrent use.
type Logger struct {
	h   slog.Handler // nil: events only go to hub
	hub *Hub
}

// NewLogger returns a Logger writing to h, typically a slog.JSONHandler.
func NewLogger(h slog.Handler) *Logger {
	if h == nil {
		return nil
	}
	return &Logger{h: h}
}

// Emit records e with what the request's [rampart.Info] knows: request id,
// client IP, route and, only when verified, the subject. r may be nil for
// events not tied to a request.
func (l *Logger) Emit(r *http.Request, e Event) {
	if l == nil {
		return
	}
	l.hub.Event(r, e)
	if l.h == nil {
		return
	}
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	if !l.h.Enabled(ctx, slog.LevelWarn) {
		return
	}
	rec := slog.NewRecord(now(), slog.LevelWarn, "security event", 0)
	rec.AddAttrs(slog.String("event", e.Name))
	if e.Reason != "" {
		rec.AddAttrs(slog.String("reason", e.Reason))
	}
	if e.OWASP != "" {
		rec.AddAttrs(slog.String("owasp", e.OWASP))
	}
	if e.Status != 0 {
		rec.AddAttrs(slog.Int("status", e.Status))
	}
	if r != nil {
		rec.AddAttrs(slog.String("method", r.Method), slog.String("path", r.URL.Path))
		if info := rampart.InfoFrom(ctx); info != nil {
			rec.AddAttrs(slog.String("request_id", info.RequestID))
			if info.TraceID != ([16]byte{}) {
				rec.AddAttrs(slog.String("trace_id", hex.EncodeToString(info.TraceID[:])))
			}
			if info.ClientIP.IsValid() {
				rec.AddAttrs(slog.String("client_ip", info.ClientIP.String()))
			}
			if info.Route != "" {
				rec.AddAttrs(slog.String("route", info.Route))
			}
			if info.Principal != nil && info.Principal.Subject != "" {
				rec.AddAttrs(slog.String("subject", info.Principal.Subject))
			}
		}
	}
	for _, a := range e.Attrs {
		rec.AddAttrs(RedactAttr(nil, a))
	}
	_ = l.h.Handle(ctx, rec)
}
