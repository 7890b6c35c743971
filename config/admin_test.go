package config_test

import (
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/config"
)

func TestAdminAndTracingValidation(t *testing.T) {
	env := map[string]string{"ADMIN_TOKEN": "0123456789abcdef0123", "SHORT": "abc"}
	opts := config.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	const base = "upstreams: {app: {url: \"http://127.0.0.1:9\"}}\nroutes: [{path: /a, upstream: app, auth: none}]\n"
	tests := []struct {
		name, doc string
		errs      []string // substrings of errors, in any order; none: no error
		warns     []string
	}{
		{"off by default", "", nil, nil},
		{"loopback without token", "admin: {listen: \"127.0.0.1:9090\"}", nil, nil},
		{"ipv6 loopback", "admin: {listen: \"[::1]:9090\"}", nil, nil},
		{"localhost", "admin: {listen: \"localhost:9090\"}", nil, nil},
		{"every interface without token", "admin: {listen: \":9090\"}", []string{"admin.listen", "not a loopback address"}, nil},
		{"public address without token", "admin: {listen: \"0.0.0.0:9090\", pprof: true}", []string{"admin.listen"}, []string{"admin.pprof"}},
		{"loopback lookalike host name", "admin: {listen: \"127.0.0.1.example.com:9090\"}", []string{"admin.listen"}, nil},
		{"public address with token", "admin: {listen: \"0.0.0.0:9090\", token: \"${env:ADMIN_TOKEN}\"}", nil, nil},
		{"short token", "admin: {listen: \"0.0.0.0:9090\", token: \"${env:SHORT}\"}", []string{"admin.token", "16 bytes"}, nil},
		{"missing token variable", "admin: {listen: \"0.0.0.0:9090\", token: \"${env:NOPE}\"}", []string{"admin.token", "NOPE is not set"}, nil},
		{"literal token", "admin: {listen: \"127.0.0.1:9090\", token: \"0123456789abcdef0123\"}", nil, []string{"admin.token", "literal secret"}},
		{"not host:port", "admin: {listen: \"9090\"}", []string{"admin.listen", "not host:port"}, nil},
		{"same as server", "server: {listen: \"127.0.0.1:8080\"}\nadmin: {listen: \"127.0.0.1:8080\"}", []string{"admin.listen", "server.listen too"}, nil},
		{"settings without listen", "admin: {pprof: true}", nil, []string{"admin:", "listener is off"}},
		{"console without listen", "admin: {console: true}", nil, []string{"admin:", "listener is off"}},
		{"console off", "admin: {listen: \"127.0.0.1:9090\", console: false}", nil, nil},
		{"console not a bool", "admin: {listen: \"127.0.0.1:9090\", console: \"yes please\"}", []string{"admin.console"}, nil},
		{"ratio over 1", "tracing: {sample_ratio: 1.5}", []string{"tracing.sample_ratio"}, nil},
		{"negative ratio", "tracing: {sample_ratio: -0.1}", []string{"tracing.sample_ratio"}, nil},
		{"endpoint not a URL", "tracing: {otlp_endpoint: \"collector:4318\"}", []string{"tracing.otlp_endpoint"}, nil},
		{"endpoint with credentials", "tracing: {otlp_endpoint: \"https://u:p@collector:4318\"}", []string{"tracing.otlp_endpoint", "credentials"}, nil},
		{"clear-text remote endpoint", "tracing: {otlp_endpoint: \"http://collector.example:4318\"}", nil, []string{"tracing.otlp_endpoint", "clear text"}},
		{"loopback endpoint", "tracing: {otlp_endpoint: \"http://127.0.0.1:4318\", sample_ratio: 0.25}", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := config.Parse([]byte(base+tt.doc+"\n"), "rampart.yaml", opts)
			errs, warns := diags.Errors().String(), diags.Warnings().String()
			if len(tt.errs) == 0 && errs != "" {
				t.Fatalf("unexpected errors:\n%s", errs)
			}
			for _, w := range tt.errs {
				if !strings.Contains(errs, w) {
					t.Errorf("errors lack %q:\n%s", w, errs)
				}
			}
			for _, w := range tt.warns {
				if !strings.Contains(warns, w) {
					t.Errorf("warnings lack %q:\n%s", w, warns)
				}
			}
			if strings.Contains(diags.String(), "0123456789abcdef0123") {
				t.Error("a problem quotes the token")
			}
		})
	}
}

var loopbackCases = []struct {
	listen string
	want   bool
}{
	{"127.0.0.1:9090", true},
	{"127.8.9.10:9090", true},
	{"[::1]:9090", true},
	{"localhost:9090", true},
	{":9090", false},
	{"0.0.0.0:9090", false},
	{"[::]:9090", false},
	{"[::ffff:127.0.0.1]:9090", true},
	{"10.0.0.1:9090", false},
	{"localhost.example.com:9090", false},
	{"127.0.0.1.nip.io:9090", false},
	{"LOCALHOST:9090", false},
	{"127.0.0.1", false},
	{"", false},
}

func TestAdminConsoleDefaultsOn(t *testing.T) {
	off, on := false, true
	for _, tc := range []struct {
		a    config.Admin
		want bool
	}{
		{config.Admin{}, false},
		{config.Admin{Console: &on}, false},
		{config.Admin{Listen: "127.0.0.1:9090"}, true},
		{config.Admin{Listen: "127.0.0.1:9090", Console: &on}, true},
		{config.Admin{Listen: "127.0.0.1:9090", Console: &off}, false},
	} {
		if got := tc.a.ConsoleEnabled(); got != tc.want {
			t.Errorf("%+v: console %v, want %v", tc.a, got, tc.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for _, tt := range loopbackCases {
		if got := config.IsLoopback(tt.listen); got != tt.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tt.listen, got, tt.want)
		}
	}
}

// FuzzIsLoopback: an address called loopback names localhost or an IP
// that is loopback, and never panics.
func FuzzIsLoopback(f *testing.F) {
	for _, tt := range loopbackCases {
		f.Add(tt.listen)
	}
	f.Fuzz(func(t *testing.T, listen string) {
		if !config.IsLoopback(listen) {
			return
		}
		host, _, err := net.SplitHostPort(listen)
		if err != nil {
			t.Fatalf("%q accepted without a port", listen)
		}
		if host == "localhost" {
			return
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.IsLoopback() {
			t.Fatalf("%q accepted as loopback", listen)
		}
	})
}
