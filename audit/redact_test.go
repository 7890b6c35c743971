package audit_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/audit"
)

var redactCases = []struct {
	name, in, secret string
}{
	{"form body", "user=alice&password=hunter2&x=1", "hunter2"},
	{"query token", "GET /cb?code=1&access_token=s3cr3tvalue HTTP/1.1", "s3cr3tvalue"},
	{"JSON password", `{"user":"alice","password":"hunter2"}`, "hunter2"},
	{"JSON password with escaped quote", `{"db_password":"hun\"ter2"}`, `ter2`},
	{"JSON client secret, spaced", `{ "client_secret" : "abcdef123" }`, "abcdef123"},
	{"nested JSON token", `{"error":{"refresh_token":"rt-998877"}}`, "rt-998877"},
	{"Authorization header line", "Authorization: Bearer abcdefgh12345678", "abcdefgh12345678"},
	{"lower-case bearer in prose", "failed with bearer abcdefgh12345678 for user", "abcdefgh12345678"},
	{"basic credentials", "auth=Basic YWxpY2U6aHVudGVyMg==", "YWxpY2U6aHVudGVyMg"},
	{"API key header", "X-Api-Key: k_9f8e7d6c5b4a", "k_9f8e7d6c5b4a"},
	{"cookie", "Cookie: sessionid=abc123def456", "abc123def456"},
	{"JWT alone", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl rejected", "c2lnbmF0dXJl"},
	{"stack trace with a DSN", "Error: connect postgres://app:hunter2@db.internal:5432/app\n    at Pool.connect", "hunter2"},
	{"PEM private key", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "MIIEow"},
	{"AWS access key id", "using AKIAIOSFODNN7EXAMPLE from env", "AKIAIOSFODNN7EXAMPLE"},
	{"Stripe key", "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc failed", "4eC39HqLyjWDarjtT1zdp7dc"},
	{"env style", "DB_PASSWORD=hunter2 NODE_ENV=production", "hunter2"},
	{"single-quoted", "password='hunter2'", "hunter2"},
}

func TestRedact(t *testing.T) {
	for _, tc := range redactCases {
		t.Run(tc.name, func(t *testing.T) {
			got := audit.Redact(tc.in)
			if strings.Contains(got, tc.secret) {
				t.Fatalf("Redact(%q) = %q, still holds %q", tc.in, got, tc.secret)
			}
			if !strings.Contains(got, audit.Redacted) {
				t.Fatalf("Redact(%q) = %q, no %s marker", tc.in, got, audit.Redacted)
			}
			if again := audit.Redact(got); again != got {
				t.Fatalf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestRedactKeepsOrdinaryText(t *testing.T) {
	for _, s := range []string{
		"upstream error response scrubbed",
		"TypeError: Cannot read properties of undefined (reading 'id')",
		`{"error":"not found","status":404}`,
		"redis: dial tcp 127.0.0.1:6379: connect: connection refused",
		"user=alice&remember=1",
	} {
		if got := audit.Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestRedactAttr(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: audit.RedactAttr}))
	log.Warn("upstream error response scrubbed",
		slog.String("excerpt", `{"stack":"at db.connect","password":"hunter2"}`),
		slog.Any("error", errors.New("dial redis://:hunter3@cache:6379 failed")),
		slog.Group("req", slog.String("authorization", "Bearer hunter4hunter4")))
	for _, s := range []string{"hunter2", "hunter3", "hunter4"} {
		if strings.Contains(buf.String(), s) {
			t.Fatalf("log line holds %s: %s", s, buf.String())
		}
	}
}

func TestEventAttrsRedacted(t *testing.T) {
	var buf bytes.Buffer
	l := audit.NewLogger(slog.NewJSONHandler(&buf, nil))
	l.Emit(nil, audit.Event{Name: audit.ValidationFailed, Reason: "bad body", Attrs: []slog.Attr{slog.String("detail", "password=hunter2")}})
	if strings.Contains(buf.String(), "hunter2") || !strings.Contains(buf.String(), `"reason":"bad body"`) {
		t.Fatalf("event: %s", buf.String())
	}
}

// FuzzRedact checks that redaction never panics, is idempotent, and that
// a password planted after "password=" never survives, whatever surrounds
// it.
func FuzzRedact(f *testing.F) {
	for _, tc := range redactCases {
		f.Add(tc.in, "")
	}
	f.Add("x", "hunter2")
	f.Fuzz(func(t *testing.T, s, planted string) {
		got := audit.Redact(s)
		if again := audit.Redact(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
		if len(planted) < 6 || strings.ContainsAny(planted, " \t\r\n\v\f,;&\"'}=:\\\u0085\u00a0") || strings.Contains(s, planted) || strings.Contains(audit.Redacted, planted) {
			return
		}
		for _, form := range []string{" password=", `"password":"`, "\nAuthorization: Bearer "} {
			in := s + form + planted
			if out := audit.Redact(in); strings.Contains(out, planted) {
				t.Fatalf("Redact(%q) = %q keeps %q", in, out, planted)
			}
		}
	})
}
