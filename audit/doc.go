// Package audit writes Rampart's two log streams: the access log (one JSON
// line per request) and the security event stream (one JSON line per
// refusal or anomaly, with an "event" field such as "auth.failed").
//
// Neither stream ever carries a token, a secret, a cookie, a password or a
// request body; a subject appears only once its credentials were verified.
//
//	events := audit.NewLogger(slog.NewJSONHandler(os.Stderr, nil))
//	events.Emit(r, audit.Event{Name: audit.AuthFailed, Reason: "token expired", OWASP: audit.OWASPAuth})
package audit
