package console

import (
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/rampart-api/rampart/audit"
)

// Limits on what one event may carry into the console.
const (
	maxFields   = 32
	maxValueLen = 256
)

// Event is one security event as the console serves and streams it: the
// fields of its event log line ("time", "event", "reason", "owasp",
// "status", "request_id", "client_ip", "route", "subject", …), string
// values passed through [audit.Redact] (except those the gateway builds
// itself, such as the event name and the client address) and cut to 256
// bytes, plus "client_net", the client's address grouped as the top table
// groups it (an IPv6 address by its /64).
type Event map[string]any

// produced are the fields whose values the gateway builds itself from a
// fixed vocabulary or a parsed value (an event name, an address, a route
// pattern, a request id it checked); every other string value, the path
// and the reason included, passes through [audit.Redact] again before it
// reaches a browser.
var produced = map[string]bool{
	"event": true, "owasp": true, "request_id": true, "client_ip": true, "route": true, "method": true,
	"locked_by": true, "lockout": true, "username_hash": true, "store": true, "limit": true,
}

// fields the aggregates read from an event record.
type eventFields struct {
	name, reason, owasp, clientIP, subject, route string
	lockedBy, lockout, usernameHash, store        string
	status, problems                              int
}

// stored is an event as the console keeps it: the record's attributes,
// turned into an [Event] (redaction included) only when a browser asks,
// so that counting an event costs no regular expression.
type stored struct {
	t     time.Time
	attrs []slog.Attr
	once  sync.Once
	ev    Event
}

// scanEvent reads what the aggregates need from an event's attributes
// and keeps up to maxFields of them, in attrs' own array.
func scanEvent(t time.Time, attrs []slog.Attr) (*stored, eventFields) {
	var f eventFields
	// attrs is the caller's to give: its entries are kept in its own
	// array, cut in place, unless there are more than maxFields of them.
	keep := attrs[:0]
	if len(attrs) > maxFields {
		keep = make([]slog.Attr, 0, maxFields)
	}
	s := &stored{t: t, attrs: keep}
	for _, a := range attrs {
		if len(s.attrs) == maxFields {
			break
		}
		a.Value = a.Value.Resolve()
		if a.Value.Kind() == slog.KindString && len(a.Value.String()) > maxValueLen {
			// Kept events hold no more than they show, and not the
			// long string they were cut from.
			a.Value = slog.StringValue(cut(a.Value.String(), maxValueLen))
		}
		s.attrs = append(s.attrs, a)
		switch a.Value.Kind() {
		case slog.KindString:
			v := a.Value.String()
			switch a.Key {
			case "event":
				f.name = v
			case "reason":
				f.reason = v
			case "owasp":
				f.owasp = v
			case "client_ip":
				f.clientIP = v
			case "subject":
				f.subject = v
			case "route":
				f.route = v
			case "locked_by":
				f.lockedBy = v
			case "lockout":
				f.lockout = v
			case "username_hash":
				f.usernameHash = v
			case "store":
				f.store = v
			}
		case slog.KindInt64:
			switch a.Key {
			case "status":
				f.status = int(a.Value.Int64())
			case "problems":
				f.problems = int(a.Value.Int64())
			}
		}
	}
	f.name = cut(f.name, 64)
	return s, f
}

// event returns the stored event as served, built once.
func (s *stored) event() Event {
	s.once.Do(func() { s.ev = buildEvent(s.t, s.attrs) })
	return s.ev
}

func buildEvent(t time.Time, attrs []slog.Attr) Event {
	ev := make(Event, len(attrs)+2)
	ev["time"] = t.UTC().Format(time.RFC3339Nano)
	for _, a := range attrs {
		if a.Key == "" || a.Key == "time" || a.Key == "client_net" {
			continue
		}
		key := cut(a.Key, 64)
		v := a.Value
		switch v.Kind() {
		case slog.KindString:
			s := v.String()
			if !produced[key] {
				s = audit.Redact(s)
			}
			ev[key] = cut(s, maxValueLen)
			if key == "client_ip" {
				ev["client_net"] = clientNet(s)
			}
		case slog.KindInt64:
			ev[key] = v.Int64()
		case slog.KindUint64:
			ev[key] = v.Uint64()
		case slog.KindFloat64:
			ev[key] = v.Float64()
		case slog.KindBool:
			ev[key] = v.Bool()
		case slog.KindDuration:
			ev[key] = v.Duration().String()
		case slog.KindTime:
			ev[key] = v.Time().UTC().Format(time.RFC3339Nano)
		default:
			// Groups and arbitrary values are not part of the event
			// schema; the console leaves them to the log.
		}
	}
	return ev
}

// cut returns s cut to n bytes, copied when cut so that the result does
// not keep the longer string alive.
func cut(s string, n int) string {
	if len(s) > n {
		return strings.Clone(s[:n])
	}
	return s
}

// clientNet groups a client address the way Rampart's IP limits do: an
// IPv4 address (or IPv4-mapped IPv6 address) stands alone, an IPv6
// address counts as its /64. A value that is not an address is returned
// as is, cut to 64 bytes.
func clientNet(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return cut(s, 64)
	}
	if a.Is4() {
		// ParseAddr accepts only the dotted form String gives: s is it.
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
