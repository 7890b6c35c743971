package audit

import (
	"log/slog"
	"strings"

	"github.com/rampart-api/rampart/internal/lazyregexp"
)

// Redacted replaces every secret [Redact] finds.
const Redacted = "[redacted]"

var (
	// name=value, name: value and "name": "value" where the name says
	// secret: password, token, key, secret, authorization, cookie,
	// session, credential and their compounds (access_token, x-api-key,
	// client_secret, db_password).
	secretPair = lazyregexp.New(`(?i)("?[a-z0-9_.-]*(?:passw(?:or)?d|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|authorization|cookie|session[_-]?id|sessid|signature)[a-z0-9_.-]*"?\s*[:=]\s*)("(?:[^"\\]|\\.)*(?:"|\\?$)|'[^']*'|(?:bearer|basic|digest|token)\s+[^\s,;&"'}]+|[^\s,;&"'}]+)`)
	// A scheme and its credentials anywhere: "Bearer eyJ…", "Basic dXNlcjpw…".
	authScheme = lazyregexp.New(`(?i)\b(bearer|basic|digest)\s+[a-z0-9\-._~+/]{8,}=*`)
	// JWTs and JWEs, wherever they stand.
	jwtLike = lazyregexp.New(`eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_.-]*`)
	// Key formats that announce themselves: PEM private keys, AWS access
	// key ids, Stripe-, GitHub-, Slack- and Google-style keys.
	knownKey = lazyregexp.New(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}\b|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}\b|\bAIza[0-9A-Za-z_-]{35}\b`)
	// URL credentials: scheme://user:password@host.
	urlPassword = lazyregexp.New(`(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@`)
)

// Redact returns s with what looks like a secret or a credential replaced
// by [Redacted]: values of secret-named fields (password=…, "token": "…",
// Authorization: …), bearer and basic credentials, JWTs, private keys,
// well-known API key formats and passwords in URLs. It is the one
// redactor for everything the gateway writes about traffic: security
// events and the server log, including excerpts of upstream error bodies.
//
// It is a filter on text whose shape is unknown, so it errs towards
// removing too much; it cannot recognise a secret that looks like any
// other word (a password in a field called "data"), which is why bodies
// are logged only as bounded excerpts of error responses. It is safe for
// concurrent use.
func Redact(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	s = knownKey.ReplaceAllString(s, Redacted)
	s = jwtLike.ReplaceAllString(s, Redacted)
	s = urlPassword.ReplaceAllString(s, "${1}"+Redacted+"@")
	s = secretPair.ReplaceAllStringFunc(s, redactPair)
	s = authScheme.ReplaceAllString(s, "${1} "+Redacted)
	return s
}

// redactPair keeps a pair's name and separator and the quotes of a quoted
// value.
func redactPair(m string) string {
	loc := secretPair.FindStringSubmatchIndex(m)
	name, value := m[:loc[3]], m[loc[4]:loc[5]]
	switch {
	case value == Redacted || value == `"`+Redacted+`"`:
		return m
	case strings.HasPrefix(value, `"`):
		return name + `"` + Redacted + `"`
	case strings.HasPrefix(value, `'`):
		return name + `'` + Redacted + `'`
	}
	return name + Redacted
}

// mayHoldSecret is a cheap first look, so that the common event reasons
// and log lines skip the regular expressions.
func mayHoldSecret(s string) bool {
	if strings.ContainsAny(s, "=:") || strings.Contains(s, "eyJ") {
		return true
	}
	for _, p := range keyPrefixes {
		if strings.Contains(s, p) {
			return true
		}
	}
	return containsFold(s, "bearer") || containsFold(s, "basic") || containsFold(s, "digest")
}

// keyPrefixes start every match of knownKey that has neither '=' nor ':'.
var keyPrefixes = []string{"-----BEGIN", "AKIA", "ASIA", "_live_", "_test_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox", "AIza"}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// RedactAttr is a [slog.HandlerOptions] ReplaceAttr function that passes
// every string, error and Stringer value through [Redact], so that a log
// handler built with it never writes a credential it was handed.
func RedactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if v := a.Value.String(); mayHoldSecret(v) {
			a.Value = slog.StringValue(Redact(v))
		}
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case error:
			a.Value = slog.StringValue(Redact(v.Error()))
		case interface{ String() string }:
			a.Value = slog.StringValue(Redact(v.String()))
		}
	}
	return a
}
