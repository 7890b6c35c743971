package config_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestValid(t *testing.T) {
	cfg, diags := config.Load("testdata/valid.yaml")
	if diags.HasErrors() || len(diags) != 0 {
		t.Fatalf("diagnostics:\n%s", diags)
	}
	if cfg.Server.Timeouts.Shutdown != 30*time.Second || cfg.Server.Timeouts.ReadHeader != 5*time.Second {
		t.Errorf("timeouts %+v", cfg.Server.Timeouts)
	}
	if cfg.Routes[0].Auth[0] != "none" || cfg.CORS.MaxAge != 10*time.Minute || *cfg.Headers.Set["X-Frame-Options"] != "DENY" {
		t.Errorf("decoded %+v", cfg)
	}
	if cfg.Log.Access != "stderr" || cfg.Headers.Profile != "helmet" {
		t.Errorf("defaults not applied: %+v", cfg.Log)
	}
}

// TestBrokenListsEverything checks that one load reports every mistake,
// each with its line and field, against a golden file.
func TestBrokenListsEverything(t *testing.T) {
	_, diags := config.Load("testdata/broken.yaml")
	got := diags.String()
	golden := "testdata/broken.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

// Unknown keys and validation errors are listed together.
func TestValidationListsEverything(t *testing.T) {
	data, _ := os.ReadFile("testdata/broken.yaml")
	_, diags := config.Parse(data, "broken.yaml")
	wants := []string{
		`broken.yaml:5: error: server.colour: unknown field "colour"`,
		`broken.yaml:2: error: server.listen: "localhost" is not host:port`,
		`broken.yaml:3: error: server.trusted_proxies[1]: "not-a-cidr" is not an address or CIDR prefix`,
		`broken.yaml:3: warning: server.trusted_proxies[2]: 0.0.0.0/0 trusts every IPv4 peer: every peer may set X-Forwarded-For`,
		`broken.yaml:4: error: server.max_header_bytes: 10 is outside 1024..1048576`,
		`broken.yaml:7: error: upstreams.app.url: scheme must be http or https`,
		`broken.yaml:9: error: headers.profile: unknown profile "helmut"`,
		`broken.yaml:11: error: cors.allowed_origins[0]: "*": "*" together with allow_credentials`,
		`broken.yaml:11: error: cors.allowed_origins[1]: "https://app.example.com/"`,
		`broken.yaml:18: error: routes[1]: duplicate route: GET,POST,HEAD /api/items/{other} overlaps routes[0] (GET,HEAD /api/items/{id})`,
		`broken.yaml:20: error: routes[1].upstream: unknown upstream "ap" (have app)`,
		`broken.yaml:18: warning: routes[1].auth: no authentication; write auth: none`,
		`broken.yaml:21: error: routes[2].path: "api/no-slash": must start with /`,
		`broken.yaml:23: error: routes[2].auth[0]: none cannot be combined`,
		`broken.yaml:23: error: routes[2].auth[1]: authenticator "jwt" is not configured`,
	}
	got := diags.String()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q", w)
		}
	}
	if t.Failed() {
		t.Logf("got:\n%s", got)
	}
	if err := diags.Err(); err == nil {
		t.Fatal("no error")
	} else {
		var le *config.LoadError
		if !errors.As(err, &le) || len(le.Diagnostics) < 10 {
			t.Fatalf("err = %v", err)
		}
	}
}

func TestStrictDecoding(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown top-level key", "upstream:\n  app: {url: http://x}\n", `x.yaml:1: error: upstream: unknown field "upstream"`},
		{"unknown nested key", "server:\n  listen: 127.0.0.1:1\n  max_body: 5\n", `x.yaml:3: error: server.max_body: unknown field "max_body"`},
		{"unknown route key", "routes:\n  - path: /\n    role: admin\n", `x.yaml:3: error: routes[0].role: unknown field "role"`},
		{"bad duration", "server:\n  timeouts: {read: 5 minutes}\n", "x.yaml:2: error: server.timeouts.read: cannot construct !!str `5 minutes` into time.Duration"},
		{"bad int", "server:\n  max_body_bytes: lots\n", "x.yaml:2: error: server.max_body_bytes: cannot construct !!str `lots` into int64"},
		{"duplicate key", "server:\n  listen: a:1\n  listen: b:2\n", `mapping key "listen" already defined`},
		{"buffer budget under one body", "server:\n  max_body_bytes: 2048\n  max_buffered_bytes: 1024\n", `server.max_buffered_bytes: 1024 is less than max_body_bytes`},
		{"uploads per client below -1", "server:\n  max_uploads_per_client: -2\n", `server.max_uploads_per_client: -2`},
		{"syntax", "server: [\n", `x.yaml:`},
		{"syntax error has its line", "server:\n  listen: a:1\n    bad: 2\n", `x.yaml:3: error: `},
		{"secret written as a list", "auth:\n  introspection:\n    client_secret: [a, b]\n", `x.yaml:3: error: auth.introspection.client_secret: a secret is a single string`},
		{"claim path written as a map", "routes:\n  - path: /\n    owner: {param: x, claim: {a: b}}\n", `x.yaml:3: error: routes[0].owner.claim: a claim path is a string or a list of keys`},
		{"unknown key beside a type error", "server:\n  max_body_bytes: lots\n  colour: red\n", `x.yaml:3: error: server.colour: unknown field "colour"`},
		{"empty", "", "empty configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := config.Parse([]byte(tt.yaml), "x.yaml")
			if !diags.HasErrors() || !strings.Contains(diags.String(), tt.want) {
				t.Fatalf("got:\n%s\nwant %q", diags, tt.want)
			}
		})
	}
}

func TestHeapFloor(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       int64
		err        string
	}{
		{name: "unset is the default", yaml: "server:\n  listen: 127.0.0.1:1\n", want: config.DefaultHeapFloor},
		{name: "zero turns it off", yaml: "server:\n  heap_floor: 0\n", want: 0},
		{name: "bytes", yaml: "server:\n  heap_floor: 268435456\n", want: 256 << 20},
		{name: "below the runtime's minimum heap", yaml: "server:\n  heap_floor: 1\n", want: 1},
		{name: "negative", yaml: "server:\n  listen: 127.0.0.1:1\n  heap_floor: -1\n", err: "x.yaml:3: error: server.heap_floor: -1 is negative"},
		{name: "min int64", yaml: "server:\n  heap_floor: -9223372036854775808\n", err: "x.yaml:2: error: server.heap_floor: -9223372036854775808 is negative"},
		{name: "size with a unit", yaml: "server:\n  heap_floor: 64MiB\n", err: "x.yaml:2: error: server.heap_floor: cannot construct !!str `64MiB` into int64"},
		{name: "null is unset", yaml: "server:\n  heap_floor: null\n", want: config.DefaultHeapFloor},
		{name: "1 TiB is the most", yaml: "server:\n  heap_floor: 1099511627776\n", want: config.MaxHeapFloor},
		{name: "a byte over 1 TiB", yaml: "server:\n  listen: 127.0.0.1:1\n  heap_floor: 1099511627777\n", err: "x.yaml:3: error: server.heap_floor: 1099511627777 is over 1 TiB (1099511627776), the most accepted"},
		{name: "64 GiB in bits", yaml: "server:\n  heap_floor: 549755813888000\n", err: "x.yaml:2: error: server.heap_floor: 549755813888000 is over 1 TiB"},
		{name: "past the tuner's cap", yaml: "server:\n  heap_floor: 70368744177665\n", err: "server.heap_floor: 70368744177665 is over 1 TiB"},
		{name: "max int64", yaml: "server:\n  heap_floor: 9223372036854775807\n", err: "x.yaml:2: error: server.heap_floor: 9223372036854775807 is over 1 TiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := config.Parse([]byte(tt.yaml+validRest), "x.yaml")
			if tt.err != "" {
				if !strings.Contains(diags.String(), tt.err) {
					t.Fatalf("got:\n%s\nwant %q", diags, tt.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("diagnostics:\n%s", diags)
			}
			if got := cfg.Server.HeapFloorBytes(); got != tt.want {
				t.Fatalf("heap floor %d, want %d", got, tt.want)
			}
		})
	}
}

// validRest completes a server section into a valid configuration.
// TestIdentityHeaders: an identity header named like one the gateway
// sets or removes on the way to the upstream is refused at its field, in
// any spelling an upstream would read as that header.
func TestIdentityHeaders(t *testing.T) {
	for _, tt := range []struct {
		name, headers, err string
	}{
		{name: "renamed", headers: "{subject: X-User, roles: X-User-Roles}"},
		{name: "disabled", headers: "{scopes: '-'}"},
		{name: "a forwarding header", headers: "{subject: X-Forwarded-For}",
			err: `x.yaml:8: error: auth.identity_headers.subject: X-Forwarded-For is a header the gateway sets or removes itself on every forwarded request, so the upstream could not tell the identity from it; choose another name (the default is X-Rampart-Subject)`},
		{name: "another case and underscores", headers: "{tenant: x_real_ip}",
			err: `x.yaml:8: error: auth.identity_headers.tenant: "x_real_ip" reads as X-Real-Ip, which is a header the gateway sets or removes itself on every forwarded request, so the upstream could not tell the identity from it; choose another name (the default is X-Rampart-Tenant)`},
		{name: "the RFC 7239 header", headers: "{roles: forwarded}", err: `auth.identity_headers.roles: "forwarded" reads as Forwarded, which is a header`},
		{name: "the request id", headers: "{subject: X-Request-ID}", err: `auth.identity_headers.subject: "X-Request-ID" reads as X-Request-Id, which is`},
		{name: "trace context", headers: "{scopes: traceparent}", err: `auth.identity_headers.scopes: "traceparent" reads as Traceparent`},
		{name: "hop-by-hop", headers: "{subject: Connection}", err: `auth.identity_headers.subject: Connection is a header the gateway sets or removes itself`},
		{name: "not a header name", headers: "{subject: 'X User'}", err: `auth.identity_headers.subject: "X User" is not a valid header name`},
		{name: "two fields, one header", headers: "{subject: X-Who, tenant: x_who}", err: `auth.identity_headers.tenant: "x_who" is already another identity field's header`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := "server:\n  listen: 127.0.0.1:1\n" + validRest + "auth:\n  identity_headers: " + tt.headers + "\n"
			_, diags := config.Parse([]byte(doc), "x.yaml")
			if tt.err == "" {
				if diags.HasErrors() {
					t.Fatalf("diagnostics:\n%s", diags)
				}
				return
			}
			if !diags.HasErrors() || !strings.Contains(diags.String(), tt.err) {
				t.Fatalf("got:\n%s\nwant %q", diags, tt.err)
			}
		})
	}
}

const validRest = "upstreams:\n  app: {url: http://127.0.0.1:9}\nroutes:\n  - {path: /x, upstream: app, auth: [none]}\n"

func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key.txt"), []byte("s3cr3t-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REDIS_PW": "hunter2", "EMPTY": ""}
	opts := config.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	tests := []struct {
		ref, want, diag string
	}{
		{"${env:REDIS_PW}", "hunter2", ""},
		{"redis://:${env:REDIS_PW}@127.0.0.1:6379/0", "redis://:hunter2@127.0.0.1:6379/0", ""},
		{"${file:key.txt}", "s3cr3t-from-file", ""},
		{"${env:MISSING}", "", "environment variable MISSING is not set"},
		{"${env:EMPTY}", "", "environment variable EMPTY is empty"},
		{"${file:nope.txt}", "", "reading secret file nope.txt: no such file"},
		{"${ENV:X}", "", `malformed reference "${ENV:X}"`},
		{"${env:}", "", "empty reference"},
		{"literal-value", "literal-value", "warning: secret: literal secret in the config file"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			s, diags := config.ResolveSecretForTest(tt.ref, dir, opts)
			if tt.diag == "" && len(diags) > 0 || !strings.Contains(diags.String(), tt.diag) {
				t.Fatalf("diags = %s, want %q", diags, tt.diag)
			}
			if !diags.HasErrors() && s.Value() != tt.want {
				t.Fatalf("value = %q", s.Value())
			}
			for _, leak := range []string{"hunter2", "s3cr3t"} {
				if strings.Contains(diags.String()+fmt.Sprint(s)+fmt.Sprintf("%v %+v %#v %s", s, s, s, s), leak) {
					t.Fatalf("secret printed")
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/valid.yaml", "testdata/broken.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("routes: [{path: /, auth: [none]}]"))
	f.Add([]byte("a: &x [*x]"))
	f.Add([]byte("server:\n  max_body_bytes: lots\n  colour: red\nauth: {introspection: {client_secret: [a]}}\n"))
	f.Add([]byte("routes:\n  - {path: /, owner: {param: x, claim: {a: b}}, role: admin}\n"))
	f.Add([]byte("server:\n  listen: a:1\n    bad: 2\n"))
	f.Add([]byte("---\n"))
	f.Add([]byte("auth: {jwt: {issuers: [{secret: x, algorithms: [none, HS1]}, {jwks_url: 'http://x', discovery: true}]}, apikey: {keys: [{hash: x}]}}"))
	f.Add([]byte("server: {trusted_proxies: [0.0.0.0/1, 128.0.0.0/1, \"::/1\", \"8000::/1\", \"::ffff:0:0/96\", 10.1.2.3/0]}"))
	f.Add([]byte("server: {case_insensitive_routes: true}\nroutes: [{path: /Admin/users, upstream: app}, {path: /admin/USERS, methods: [GET, DELETE], upstream: app}]"))
	f.Add([]byte("routes: [{path: /café/{id}, upstream: app}, {path: /CAFÉ/{x}, methods: [POST], upstream: app}]"))
	f.Add([]byte("server: {timeouts: {write: 10s}}\nupstreams: {app: {url: http://127.0.0.1:1, timeout: 1m}}"))
	f.Add([]byte("server: {trailing_slash: ignore}\nauth: {jwt: {scheme: none, header: X-Access-Token, issuers: [{secret: x, algorithms: [HS256], dangerously_accept_any_audience: true, max_age: 1h, subject_claim: [data, id], roles_claim: data.role}]}}\nroutes: [{path: /ftp, deny: true}, {path: \"/*\", upstream: app, auth: jwt, owner: {param: x, claim: [a.b]}}]"))
	f.Add([]byte("cors: {allowed_origins: [\"https://*.co.uk\", \"https://*.github.io\", \"https://*.example.co.uk\", \"https://*.kawasaki.jp\"]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, diags := config.Parse(data, "fuzz.yaml", config.Options{
			LookupEnv: func(string) (string, bool) { return "", false },
			ReadFile:  func(string) ([]byte, error) { return nil, os.ErrNotExist },
		})
		if !diags.HasErrors() && cfg == nil {
			t.Fatal("no config and no error")
		}
		for _, p := range diags {
			if p.Message == "" {
				t.Fatalf("empty message: %+v", p)
			}
		}
	})
}

// TestSecretFileLimit loads files whose ${file:} references name a file
// over the limit and a device that never ends: both are refused with the
// field named, and neither is read whole.
func TestSecretFileLimit(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), bytes.Repeat([]byte("a"), config.MaxSecretFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "max.txt"), bytes.Repeat([]byte("a"), config.MaxSecretFileBytes), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ ref, diag string }{
		{"${file:big.txt}", "larger than 1048576 bytes"},
		{"${file:/dev/zero}", "larger than 1048576 bytes"},
		{"${file:max.txt}", ""},
	} {
		t.Run(tt.ref, func(t *testing.T) {
			doc := fmt.Sprintf("upstreams: {app: {url: \"http://127.0.0.1:9\"}}\nauth: {introspection: {endpoint: \"https://id.example/introspect\", client_id: c, client_secret: %q}}\nroutes: [{path: /a, upstream: app, auth: none}]\n", tt.ref)
			path := filepath.Join(dir, "rampart.yaml")
			if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			_, diags := config.Load(path)
			got := diags.Errors().String()
			if tt.diag == "" {
				if strings.Contains(got, "client_secret") {
					t.Fatalf("refused a file at the limit: %s", got)
				}
				return
			}
			if !strings.Contains(got, "auth.introspection.client_secret") || !strings.Contains(got, tt.diag) {
				t.Fatalf("errors = %s, want %q at client_secret", got, tt.diag)
			}
		})
	}
}

// TestTLSPathsRelativeToConfigFile loads a file naming its certificate and
// key relatively, from another working directory: they resolve against
// the config file's folder.
func TestTLSPathsRelativeToConfigFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for f, b := range map[string]*pem.Block{"certs/cert.pem": {Type: "CERTIFICATE", Bytes: der}, "certs/key.pem": {Type: "PRIVATE KEY", Bytes: pkcs8}} {
		if err := os.WriteFile(filepath.Join(dir, f), pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "rampart.yaml")
	doc := "server: {tls: {cert_file: certs/cert.pem, key_file: ./certs/key.pem}}\nupstreams: {app: {url: \"http://127.0.0.1:9\"}}\nroutes: [{path: /a, upstream: app, auth: none}]\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	cfg, diags := config.Load(path)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got, want := cfg.Server.TLS.CertFile, filepath.Join(dir, "certs/cert.pem"); got != want {
		t.Errorf("cert_file = %q, want %q", got, want)
	}
	if got, want := cfg.Server.TLS.KeyFile, filepath.Join(dir, "certs/key.pem"); got != want {
		t.Errorf("key_file = %q, want %q", got, want)
	}
}
