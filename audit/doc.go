// Package audit writes Rampart's two log streams: the access log (one JSON
// line per request) and the security event stream (one JSON line per
// refusal or anomaly, with an "event" field such as "auth.failed").
//
// Neither stream ever carries a token, a secret, a cookie, a password or a
// request body; a subject appears only once its credentials were verified.
//
// [NewLogger] writes events to a slog handler; see the [Logger.Emit] example
// for the line an event becomes.
package audit
