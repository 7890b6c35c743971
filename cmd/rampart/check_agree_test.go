package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/gateway"
)

// compileAsServe does what serve does before it binds: load the file,
// open the logs and compile the gateway, contacting identity providers
// and stores as serve would. It reports whether the file was refused.
func compileAsServe(path string) error {
	cfg, _, err := loadConfig(path, io.Discard)
	if err != nil {
		return err
	}
	logs, err := gateway.OpenLogs(cfg.Log, io.Discard)
	if err != nil {
		return err
	}
	defer logs.Close()
	g, err := gateway.New(cfg, gateway.Options{})
	if err != nil {
		return err
	}
	return g.Close()
}

// agreementCases writes the files whose refusal depends on what only a
// compile or the file system sees: key strength, key files, OpenAPI
// documents, WAF settings, log folders, and remote sources that must not
// make check fail.
func agreementCases(t *testing.T) []string {
	dir := t.TempDir()
	write := func(name, data string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	write("rsa1024.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	write("six.txt", "abcdef\n")
	write("long.txt", strings.Repeat("k", 32)+"\n")
	write("bad-openapi.yaml", "openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n")
	write("ok-openapi.yaml", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}\n")

	hash := "sha256:1799caa80b5b8b5ebdb8508b52b6056bf8c87819d1b21140c093431ea6bc33e2"
	write("keys.yaml", "- {hash: \""+hash+"\", subject: ci}\n")
	write("keys-bad.yaml", "- {hash: \"sha256:abc\", subject: ci}\n")

	head := "upstreams:\n  app:\n    url: http://127.0.0.1:9000\n"
	route := "routes:\n  - {path: /a, upstream: app, auth: %s}\n"
	jwtBlock := func(issuer string) string {
		return "auth:\n  jwt:\n    issuers:\n      - " + issuer + "\n"
	}
	r := func(auth string) string { return strings.Replace(route, "%s", auth, 1) }
	var files []string
	for name, data := range map[string]string{
		"hmac-6-bytes.yaml":                 head + jwtBlock("{secret: '${file:six.txt}', algorithms: [HS256], audience: [api], issuer: i}") + r("jwt"),
		"hmac-32-bytes.yaml":                head + jwtBlock("{secret: '${file:long.txt}', algorithms: [HS256], audience: [api], issuer: i}") + r("jwt"),
		"hmac-512-short.yaml":               head + jwtBlock("{secret: '${file:long.txt}', algorithms: [HS512], audience: [api], issuer: i}") + r("jwt"),
		"public-key-missing.yaml":           head + jwtBlock("{public_key_file: ./absent.pem, algorithms: [RS256], audience: [api], issuer: i}") + r("jwt"),
		"rsa-1024.yaml":                     head + jwtBlock("{public_key_file: rsa1024.pem, algorithms: [RS256], audience: [api], issuer: i}") + r("jwt"),
		"rsa-1024-allowed.yaml":             head + jwtBlock("{public_key_file: rsa1024.pem, algorithms: [RS256], audience: [api], issuer: i, dangerously_allow_weak_rsa: true}") + r("jwt"),
		"secret-env-unset.yaml":             head + jwtBlock("{secret: '${env:RAMPART_AGREE_UNSET}', algorithms: [HS256], audience: [api], issuer: i}") + r("jwt"),
		"jwks-unreachable.yaml":             head + jwtBlock("{jwks_url: 'http://127.0.0.1:1/jwks', algorithms: [ES256], audience: [api], issuer: 'http://127.0.0.1:1/', fetch_timeout: 1s}") + r("jwt"),
		"openapi-invalid.yaml":              strings.Replace(head, "9000\n", "9000\n    openapi: bad-openapi.yaml\n", 1) + r("none"),
		"openapi-valid.yaml":                strings.Replace(head, "9000\n", "9000\n    openapi: ok-openapi.yaml\n", 1) + r("none"),
		"openapi-missing.yaml":              strings.Replace(head, "9000\n", "9000\n    openapi: absent.yaml\n", 1) + r("none"),
		"waf-paranoia-5.yaml":               head + "routes:\n  - {path: /a, upstream: app, auth: none, waf: {paranoia: 5}}\n",
		"waf-paranoia-2.yaml":               head + "routes:\n  - {path: /a, upstream: app, auth: none, waf: {paranoia: 2}}\n",
		"log-folder-missing.yaml":           head + r("none") + "log:\n  access: " + filepath.Join(dir, "absent", "access.log") + "\n",
		"log-file.yaml":                     head + r("none") + "log:\n  access: " + filepath.Join(dir, "access.log") + "\n",
		"redis-store.yaml":                  head + r("none") + "rate_limits:\n  store: redis\n  redis: {url: 'redis://127.0.0.1:1/0'}\n  default: [{limit: 10, window: 1m}]\n",
		"identity-header-bad.yaml":          head + r("none") + "auth:\n  identity_headers: {subject: 'X Bad'}\n",
		"identity-header-reserved.yaml":     head + r("none") + "auth:\n  identity_headers: {roles: x_real_ip}\n",
		"heap-floor-over-1-tib.yaml":        "server:\n  heap_floor: 1099511627777\n" + head + r("none"),
		"introspection.yaml":                head + r("introspection") + "auth:\n  introspection: {endpoint: 'https://idp.example/introspect', client_id: gw, client_secret: '${file:long.txt}'}\n",
		"introspection-http.yaml":           head + r("introspection") + "auth:\n  introspection: {endpoint: 'http://idp.example/introspect', client_id: gw, client_secret: '${file:long.txt}'}\n",
		"introspection-claim.yaml":          head + r("introspection") + "auth:\n  introspection: {endpoint: 'https://idp.example/introspect', client_id: gw, client_secret: '${file:long.txt}', roles_claim: 'a..b'}\n",
		"brute-force-lockout-over-cap.yaml": head + "routes:\n  - {path: /login, methods: [POST], upstream: app, auth: none, brute_force: {username_field: u, lockout: 48h}}\n",
		"apikey-file.yaml":                  head + r("apikey") + "auth:\n  apikey:\n    keys_file: keys.yaml\n",
		"apikey-file-missing.yaml":          head + r("apikey") + "auth:\n  apikey:\n    keys_file: absent.yaml\n",
		"apikey-file-bad.yaml":              head + r("apikey") + "auth:\n  apikey:\n    keys_file: keys-bad.yaml\n",
		"apikey-no-subject.yaml":            head + r("apikey") + "auth:\n  apikey:\n    keys: [{hash: \"" + hash + "\"}]\n",
		"apikey-bearer.yaml":                head + r("apikey") + "auth:\n  apikey:\n    header: Authorization\n    scheme: Bearer\n    keys: [{hash: \"" + hash + "\", subject: ci}]\n",
	} {
		files = append(files, write(name, data))
	}
	return files
}

// agreementAccepts says which agreement cases both must accept.
var agreementAccepts = map[string]bool{
	"hmac-6-bytes.yaml": false, "hmac-32-bytes.yaml": true, "hmac-512-short.yaml": false,
	"public-key-missing.yaml": false, "rsa-1024.yaml": false, "rsa-1024-allowed.yaml": true,
	"secret-env-unset.yaml": false, "jwks-unreachable.yaml": true,
	"openapi-invalid.yaml": false, "openapi-valid.yaml": true, "openapi-missing.yaml": false,
	"waf-paranoia-5.yaml": false, "waf-paranoia-2.yaml": true,
	"log-folder-missing.yaml": false, "log-file.yaml": true,
	"redis-store.yaml": true, "identity-header-bad.yaml": false,
	"identity-header-reserved.yaml": false, "heap-floor-over-1-tib.yaml": false,
	"introspection.yaml": true, "introspection-http.yaml": false, "introspection-claim.yaml": false,
	"brute-force-lockout-over-cap.yaml": false,
	"apikey-file.yaml":                  true, "apikey-file-missing.yaml": false, "apikey-file-bad.yaml": false,
	"apikey-no-subject.yaml": false, "apikey-bearer.yaml": false,
	// The repository's own files.
	"seed-short-secret.yaml": false, "missing-public-key.yaml": false, "weak-rsa.yaml": false,
	"valid.yaml": true, "broken.yaml": false,
}

// TestCheckAgreesWithServe runs check and serve's compile over every
// configuration the repository holds and the agreement cases, and wants
// them to accept and refuse the same files. Every error check prints
// names its field, and one in the file its line.
func TestCheckAgreesWithServe(t *testing.T) {
	t.Setenv("JWT_SECRET", strings.Repeat("s", 32))
	var files []string
	for _, pattern := range []string{
		"../../config/testdata/*.yaml",
		"../../config/testdata/realapis/*.yaml",
		"../../gateway/testdata/*.yaml",
		"../../examples/*/rampart.yaml",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	files = append(files, agreementCases(t)...)
	errLine := regexp.MustCompile(`^(.+?)(:\d+)?: error: (\S+): .+$`)
	var accepted, refused int
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(data, []byte("routes:")) && !bytes.Contains(data, []byte("upstreams:")) {
				t.Skip("not a gateway configuration")
			}
			var out bytes.Buffer
			checkErr := check(f, &out)
			serveErr := compileAsServe(f)
			if (checkErr == nil) != (serveErr == nil) {
				t.Fatalf("check and serve disagree:\ncheck: %v\n%s\nserve: %v", checkErr, out.String(), serveErr)
			}
			if want, ok := agreementAccepts[filepath.Base(f)]; ok && want != (checkErr == nil) {
				t.Fatalf("accepted = %t, want %t:\n%s", checkErr == nil, want, out.String())
			}
			if checkErr == nil {
				accepted++
				return
			}
			refused++
			for _, line := range strings.Split(out.String(), "\n") {
				if !strings.Contains(line, ": error: ") {
					continue
				}
				m := errLine.FindStringSubmatch(line)
				if m == nil {
					t.Errorf("error without a field: %s", line)
					continue
				}
				if field := m[3]; m[2] == "" && bytes.Contains(data, []byte(lastFieldKey(field)+":")) {
					t.Errorf("error at a field the file holds, without its line: %s", line)
				}
			}
		})
	}
	t.Logf("%d files accepted and %d refused by both", accepted, refused)
	if accepted == 0 || refused == 0 {
		t.Fatalf("accepted %d, refused %d: the cases do not test agreement", accepted, refused)
	}
}

// lastFieldKey is the last key of a field path: "openapi" of
// "upstreams.app.openapi", "algorithms" of "issuers[0].algorithms[1]".
func lastFieldKey(path string) string {
	path = path[strings.LastIndexByte(path, '.')+1:]
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}
