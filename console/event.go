package console

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/rampart-api/rampart/audit"
)

// Limits on what one event may carry into the console.
const (
	maxFields   = 32
	maxValueLen = 256
)

// Event is one security event as the console keeps and streams it: the
// fields of its event log line ("time", "event", "reason", "owasp",
// "status", "request_id", "client_ip", "route", "subject", …), string
// values passed through [audit.Redact] and cut to 256 bytes, plus
// "client_net", the client's address grouped as the top table groups it
// (an IPv6 address by its /64).
type Event map[string]any

// fields the aggregates read from an event record.
type eventFields struct {
	name, reason, owasp, clientIP, subject, route string
	lockedBy, lockout, usernameHash, store, limit string
	status                                        int
	problems                                      int
}

// parseEvent reads the top-level attributes of a security event record.
func parseEvent(rec slog.Record, pre []slog.Attr) (Event, eventFields) {
	ev := make(Event, 12)
	var f eventFields
	t := rec.Time
	if t.IsZero() {
		t = time.Now()
	}
	ev["time"] = t.UTC().Format(time.RFC3339Nano)
	add := func(a slog.Attr) bool {
		if len(ev) >= maxFields || a.Key == "" || a.Key == "time" {
			return true
		}
		v := a.Value.Resolve()
		switch v.Kind() {
		case slog.KindString:
			s := audit.Redact(v.String())
			if len(s) > maxValueLen {
				s = s[:maxValueLen]
			}
			ev[a.Key] = s
			switch a.Key {
			case "event":
				f.name = s
			case "reason":
				f.reason = s
			case "owasp":
				f.owasp = s
			case "client_ip":
				f.clientIP = s
			case "subject":
				f.subject = s
			case "route":
				f.route = s
			case "locked_by":
				f.lockedBy = s
			case "lockout":
				f.lockout = s
			case "username_hash":
				f.usernameHash = s
			case "store":
				f.store = s
			case "limit":
				f.limit = s
			}
		case slog.KindInt64:
			ev[a.Key] = v.Int64()
			switch a.Key {
			case "status":
				f.status = int(v.Int64())
			case "problems":
				f.problems = int(v.Int64())
			}
		case slog.KindUint64:
			ev[a.Key] = v.Uint64()
		case slog.KindFloat64:
			ev[a.Key] = v.Float64()
		case slog.KindBool:
			ev[a.Key] = v.Bool()
		case slog.KindDuration:
			ev[a.Key] = v.Duration().String()
		case slog.KindTime:
			ev[a.Key] = v.Time().UTC().Format(time.RFC3339Nano)
		default:
			// Groups and arbitrary values are not part of the event
			// schema; the console leaves them to the log.
		}
		return true
	}
	for _, a := range pre {
		add(a)
	}
	rec.Attrs(add)
	if f.clientIP != "" {
		ev["client_net"] = clientNet(f.clientIP)
	}
	return ev, f
}

// clientNet groups a client address the way Rampart's IP limits do: an
// IPv4 address (or IPv4-mapped IPv6 address) stands alone, an IPv6
// address counts as its /64. A value that is not an address is returned
// as is, cut to 64 bytes.
func clientNet(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		if len(s) > 64 {
			s = s[:64]
		}
		return s
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// lockoutFor parses a "lockout" value such as "60s".
func lockoutFor(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0
	}
	return d
}
