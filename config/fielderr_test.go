package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/authz"
	"github.com/rampart-api/rampart/cors"
	"github.com/rampart-api/rampart/proxy"
	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/secureheaders"
	"github.com/rampart-api/rampart/validate"
)

// TestFeatureErrorsMapByType feeds errors whose messages say something
// else entirely, or name another field, and wants each at the path its
// type and field give: rewording a feature's message cannot move an error.
func TestFeatureErrorsMapByType(t *testing.T) {
	lines := map[string]int{
		"cors": 10, "cors.allowed_origins": 11, "cors.allowed_origins[1]": 13, "cors.max_age": 14,
		"headers": 20, "headers.profile": 21, "headers.set": 22, "headers.set.X-Frame-Options": 23,
		"upstreams.app": 30, "upstreams.app.url": 31,
		"rate_limits.default[0]": 40, "rate_limits.default[0].key": 41, "rate_limits.default[0].window": 42,
		"auth.identity_headers": 50, "auth.identity_headers.subject": 51,
	}
	tests := []struct {
		name, base string
		err        error
		wantPath   string
		wantLine   int
	}{
		{"CORS origin", "cors", &cors.ConfigError{Field: "AllowedOrigins[1]", Reason: "unknown profile and max_age"}, "cors.allowed_origins[1]", 13},
		{"CORS max age", "cors", &cors.ConfigError{Field: "MaxAge", Reason: "allowed_origins[1]"}, "cors.max_age", 14},
		{"header profile", "headers", &secureheaders.ConfigError{Field: "Profile", Reason: "header name"}, "headers.profile", 21},
		{"header value", "headers", &secureheaders.ConfigError{Field: "Set[X-Frame-Options]", Reason: "unknown profile \"x\""}, "headers.set.X-Frame-Options", 23},
		{"upstream URL", "upstreams.app", &proxy.ConfigError{Field: "Target", Reason: "timeout"}, "upstreams.app.url", 31},
		{"rate-limit window", "rate_limits.default[0]", &ratelimit.LimitError{Field: "Period", Reason: "burst must be positive"}, "rate_limits.default[0].window", 42},
		{"rate-limit key", "rate_limits.default[0].key", &ratelimit.KeyError{Spec: "x", Reason: "window"}, "rate_limits.default[0].key", 41},
		{"wrapped and joined", "cors", errors.Join(fmt.Errorf("compiling: %w", &cors.ConfigError{Field: "AllowedOrigins[1]", Reason: "ok"})), "cors.allowed_origins[1]", 13},
		{"identity header", "auth.identity_headers", &authz.HeaderError{Field: "subject", Name: "X-Real-Ip", Reason: "tenant", Err: authz.ErrReservedHeader}, "auth.identity_headers.subject", 51},
		{"unknown field stays at the section", "cors", &cors.ConfigError{Field: "Colour", Reason: "x"}, "cors", 10},
		{"untyped error stays at the section", "headers", errors.New("secureheaders: invalid config: unknown profile \"x\""), "headers", 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &validator{file: "x.yaml", lines: lines}
			v.featureErrors(tt.base, tt.err)
			if len(v.diags) != 1 {
				t.Fatalf("got %d problems: %s", len(v.diags), v.diags)
			}
			if p := v.diags[0]; p.Path != tt.wantPath || p.Line != tt.wantLine {
				t.Fatalf("got %s at line %d, want %s at line %d", p.Path, p.Line, tt.wantPath, tt.wantLine)
			}
		})
	}
}

// TestLocate maps errors from compiling a loaded file to its lines through
// the FieldErrors they hold, whatever their messages.
func TestLocate(t *testing.T) {
	c := &Config{File: "x.yaml", lines: map[string]int{"routes[2]": 30, "routes[2].waf": 31, "routes[2].waf.paranoia": 32, "upstreams.app.openapi": 7}}
	doc := &validate.DocumentError{Reason: "routes[2].waf.paranoia", Err: errors.New("bad")}
	err := errors.Join(
		fmt.Errorf("route /a: %w", &FieldError{Path: "routes[2].waf.paranoia", Err: errors.New("upstreams.app.openapi")}),
		&FieldError{Path: "upstreams.app.openapi", Err: doc},
		&FieldError{Path: "routes[2].waf.exclude_rules", Err: errors.New("x")},
		errors.New("no field"),
	)
	got := c.Locate(err)
	want := []struct {
		path string
		line int
	}{{"", 0}, {"upstreams.app.openapi", 7}, {"routes[2].waf.exclude_rules", 31}, {"routes[2].waf.paranoia", 32}}
	if len(got) != len(want) {
		t.Fatalf("got %d problems:\n%s", len(got), got)
	}
	for i, w := range want {
		if got[i].Path != w.path || got[i].Line != w.line || got[i].Severity != Error {
			t.Errorf("problem %d = %+v, want %s at line %d", i, got[i], w.path, w.line)
		}
	}
	if !errors.Is(err, validate.ErrDocument) {
		t.Error("FieldError hides the feature's sentinel")
	}
	if c.Locate(nil) != nil {
		t.Error("nil error located")
	}
}

// FuzzFeatureErrorPath wants every feature field name, however shaped, to
// map to a path below its section, never above or beside it.
func FuzzFeatureErrorPath(f *testing.F) {
	for _, s := range []string{"AllowedOrigins[2]", "Set[X-Frame-Options]", "MaxAge", "", "[", "]", "Set[", "AllowedOrigins[1][2]", "Set[a.b]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, field string) {
		for _, names := range []fieldNames{corsFields, headerFields, proxyFields, rateLimitFields, nil} {
			p := featureError{field: field, names: names}.path("cors")
			if p != "cors" && !strings.HasPrefix(p, "cors.") {
				t.Fatalf("%q -> %q", field, p)
			}
		}
	})
}
