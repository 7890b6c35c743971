package gateway

import (
	"log/slog"

	"github.com/rampart-api/rampart/audit"
)

// Observe puts wrappers around the handlers of the access log and the
// security event stream, so that another sink (the security console,
// metrics) sees every record the logs get. A wrapper receives nil when
// its log is off and must then still return a handler; the records it
// passes on are the log's lines. Call Observe before the logs are handed
// to [New] or [NewServer].
func (l *Logs) Observe(access, events func(slog.Handler) slog.Handler) {
	if access != nil {
		l.accessH = access(l.accessH)
		l.Access = audit.NewAccessLog(l.accessH)
	}
	if events != nil {
		l.eventsH = events(l.eventsH)
		l.Events = audit.NewLogger(l.eventsH)
	}
}
