package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/problem"
)

// leakyAPI is an upstream that answers like a careless API: user objects
// carry their password hash, and every path answers, documented or not.
type leakyAPI struct {
	mu   sync.Mutex
	seen []string
}

const leakedHash = "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA"

func (a *leakyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	a.mu.Lock()
	a.seen = append(a.seen, r.Method+" "+r.URL.RequestURI())
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/api/signup":
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":4,"username":"mallory","email":"m@example.com","role":"user","password_hash":%q}`, leakedHash)
	case strings.HasPrefix(r.URL.Path, "/api/users/"):
		fmt.Fprintf(w, `{"id":1,"username":"alice","email":"alice@example.com","role":"user","password_hash":%q}`, leakedHash)
	default:
		fmt.Fprint(w, `{"ok":true}`)
	}
}

func (a *leakyAPI) hits() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

const validationConfig = `
server: {max_body_bytes: 65536}
upstreams:
  app:
    url: %[1]s
    openapi: ./openapi.yaml
    validation: {requests: enforce, responses: filter, inventory: enforce}
  plain: {url: %[1]s}
limits: {max_depth: 8, max_array: 100, max_string: 4096, max_properties: 50}
routes:
  - {path: "/api/*", methods: ["*"], upstream: app, auth: none}
  - {path: "/plain/*", methods: [POST], upstream: plain, auth: none}
  - path: /search
    upstream: plain
    auth: none
    waf: {enabled: true, paranoia: 1, anomaly_threshold: 5}
  - path: /comments
    methods: [POST]
    upstream: plain
    auth: none
    waf: {paranoia: 1, anomaly_threshold: 5}
  - path: "/api/users/{id}"
    upstream: app
    auth: none
    waf: {enabled: true, paranoia: 1, anomaly_threshold: 5}
`

type validationFixture struct {
	gw     *Gateway
	up     *leakyAPI
	events *bytes.Buffer
}

// newValidationFixture loads the configuration from a folder holding the
// demo API's OpenAPI document, the way rampart serve does.
func newValidationFixture(t *testing.T, extra string) *validationFixture {
	t.Helper()
	up := &leakyAPI{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	doc, err := os.ReadFile("../validate/testdata/demo-openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), doc, 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(validationConfig, srv.URL)+extra), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(file)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	f := &validationFixture{up: up, events: &bytes.Buffer{}}
	gw, err := New(cfg, Options{Events: audit.NewLogger(slog.NewJSONHandler(f.events, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	f.gw = gw
	return f
}

func (f *validationFixture) do(method, target, contentType, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	f.gw.ServeHTTP(w, r)
	return w
}

// events returns the security events of one name.
func (f *validationFixture) eventsNamed(t *testing.T, name string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(f.events.Bytes()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("event %s: %v", line, err)
		}
		if e["event"] == name || e["msg"] == name {
			out = append(out, e)
		}
	}
	return out
}

type problemBody struct {
	Status int                  `json:"status"`
	Errors []problem.FieldError `json:"errors"`
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder, status int) problemBody {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("Content-Type %q", ct)
	}
	var p problemBody
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem %s: %v", w.Body, err)
	}
	return p
}

func pointersOf(p problemBody) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Pointer)
	}
	return out
}

// TestRequestsRefusedBeforeUpstream sends attacker-shaped requests through
// the gateway and checks the status, the error pointers, and that the
// upstream never saw them.
func TestRequestsRefusedBeforeUpstream(t *testing.T) {
	f := newValidationFixture(t, "")
	deep := strings.Repeat(`{"a":`, 20) + "1" + strings.Repeat("}", 20)
	tests := []struct {
		name, method, target, ctype, body string
		status                            int
		pointer                           string
	}{
		{"mass assignment of role", "POST", "/api/signup", "application/json",
			`{"username":"mallory","password":"correct-horse","email":"m@example.com","role":"admin"}`, 400, "/role"},
		{"readOnly id in signup", "POST", "/api/signup", "application/json",
			`{"username":"mallory","password":"correct-horse","email":"m@example.com","id":1}`, 400, "/id"},
		{"operator object where a string is expected", "POST", "/api/login", "application/json",
			`{"username":{"$gt":""},"password":"correct-horse"}`, 400, "/username"},
		{"__proto__ in signup", "POST", "/api/signup", "application/json",
			`{"username":"mallory","password":"correct-horse","email":"m@example.com","__proto__":{"role":"admin"}}`, 400, "/__proto__"},
		{"deep JSON with a document", "POST", "/api/signup", "application/json", deep, 400, "/a/a/a/a/a/a/a/a"},
		{"deep JSON without a document", "POST", "/plain/anything", "application/json", deep, 400, "/a/a/a/a/a/a/a/a"},
		{"duplicate key without a document", "POST", "/plain/x", "application/json", `{"role":"user","role":"admin"}`, 400, "/role"},
		{"long string without a document", "POST", "/plain/x", "application/json", `{"s":"` + strings.Repeat("x", 5000) + `"}`, 400, "/s"},
		{"JSON sent as a form without a document", "POST", "/plain/x", "application/x-www-form-urlencoded", `{"a":1}`, 415, ""},
		{"JSON sent as text/plain", "POST", "/plain/x", "text/plain", `{"a":1}`, 415, ""},
		{"undocumented endpoint behind a wildcard route", "GET", "/api/internal/debug", "", "", 404, ""},
		{"undocumented method on a documented path", "DELETE", "/api/notes/1", "", "", 404, ""},
		{"path parameter of the wrong type", "GET", "/api/users/abc", "", "", 400, "path/id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.up.hits())
			p := decodeProblem(t, f.do(tt.method, tt.target, tt.ctype, tt.body), tt.status)
			if tt.pointer != "" {
				found := false
				for _, ptr := range pointersOf(p) {
					found = found || strings.HasSuffix(ptr, tt.pointer)
				}
				if !found {
					t.Fatalf("pointers %v, want %q", pointersOf(p), tt.pointer)
				}
			}
			if hits := f.up.hits(); len(hits) != before {
				t.Fatalf("upstream saw %v", hits[before:])
			}
		})
	}
}

func TestValidRequestsPass(t *testing.T) {
	f := newValidationFixture(t, "")
	tests := []struct{ name, method, target, ctype, body string }{
		{"sign-up", "POST", "/api/signup", "application/json", `{"username":"o.brien","password":"correct-horse","email":"ob@example.com"}`},
		{"user", "GET", "/api/users/1", "", ""},
		{"JSON without a document", "POST", "/plain/x", "application/json", `{"name":"O'Brien","tags":["a","b"]}`},
		{"form without a document", "POST", "/plain/x", "application/x-www-form-urlencoded", "a=1&b=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(tt.method, tt.target, tt.ctype, tt.body)
			if w.Code >= 300 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
		})
	}
}

// TestPasswordHashFiltered checks that an undeclared property leaking from
// the upstream is removed, and that the event names it without its value.
func TestPasswordHashFiltered(t *testing.T) {
	f := newValidationFixture(t, "")
	for _, tt := range []struct{ method, target, ctype, body string }{
		{"GET", "/api/users/1", "", ""},
		{"POST", "/api/signup", "application/json", `{"username":"mallory","password":"correct-horse","email":"m@example.com"}`},
	} {
		t.Run(tt.target, func(t *testing.T) {
			f.events.Reset()
			w := f.do(tt.method, tt.target, tt.ctype, tt.body)
			if w.Code >= 300 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			var user map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &user); err != nil {
				t.Fatal(err)
			}
			if _, ok := user["password_hash"]; ok || user["username"] == nil || user["role"] != "user" {
				t.Fatalf("user %v", user)
			}
			if strings.Contains(f.events.String(), "argon2id") {
				t.Fatalf("event carries the hash: %s", f.events)
			}
			ev := f.eventsNamed(t, audit.ResponseFiltered)
			if len(ev) != 1 || !strings.Contains(fmt.Sprint(ev[0]["fields"]), "password_hash") {
				t.Fatalf("events %s", f.events)
			}
		})
	}
}

// TestWAF checks the classic injection payloads are blocked on WAF routes,
// with and without a document, and that ordinary text is not.
func TestWAF(t *testing.T) {
	f := newValidationFixture(t, "")
	tests := []struct {
		name, method, target, ctype, body string
		status                            int
	}{
		{"SQL injection in the query", "GET", "/search?q=" + url.QueryEscape("' OR 1=1--"), "", "", 403},
		{"SQL injection in a JSON body", "POST", "/comments", "application/json", `{"text":"' OR 1=1--"}`, 403},
		{"XSS in a JSON body", "POST", "/comments", "application/json", `{"text":"<script>alert(document.cookie)</script>"}`, 403},
		{"path traversal in the query", "GET", "/search?file=" + url.QueryEscape("../../../../etc/passwd"), "", "", 403},
		{"command injection in the query", "GET", "/search?host=" + url.QueryEscape("127.0.0.1; cat /etc/passwd"), "", "", 403},
		{"SQL injection on a documented upstream", "GET", "/api/users/1?q=" + url.QueryEscape("' OR 1=1--"), "", "", 403},
		{"undocumented endpoint is refused before the WAF", "GET", "/api/search?q=" + url.QueryEscape("' OR 1=1--"), "", "", 404},
		{"apostrophe in a name", "GET", "/search?q=" + url.QueryEscape("O'Brien"), "", "", 200},
		{"apostrophe in a JSON body", "POST", "/comments", "application/json", `{"author":"O'Brien","text":"It's fine, isn't it?"}`, 200},
		{"Markdown in a JSON body", "POST", "/comments", "application/json", `{"text":"# Title\n\n*emphasis* and a [link](https://example.com)"}`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.up.hits())
			w := f.do(tt.method, tt.target, tt.ctype, tt.body)
			if tt.status != http.StatusOK {
				decodeProblem(t, w, tt.status)
				if hits := f.up.hits(); len(hits) != before {
					t.Fatalf("upstream saw %v", hits[before:])
				}
				return
			}
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
		})
	}
	if ev := f.eventsNamed(t, audit.WAFBlocked); len(ev) == 0 {
		t.Fatalf("no %s events: %s", audit.WAFBlocked, f.events)
	}
}

// TestWAFShared checks that routes with the same WAF settings share one
// compiled rule set, and that each upstream has one validator.
func TestWAFShared(t *testing.T) {
	f := newValidationFixture(t, "")
	if n := len(f.gw.checks.wafs); n != 1 {
		t.Fatalf("%d WAFs built for one setting", n)
	}
	if n := len(f.gw.checks.validators); n != 1 {
		t.Fatalf("%d validators built for one document", n)
	}
}

func TestValidationBuildErrors(t *testing.T) {
	cfg, diags := config.Parse([]byte(`
upstreams:
  app: {url: "http://127.0.0.1:1"}
routes:
  - {path: /a, upstream: app, auth: none, waf: {exclude_rules: [901001]}}
  - {path: /b, upstream: app, auth: none, waf: {exclude_rules: [901001]}}
`), "x.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, err := New(cfg, Options{})
	if err == nil || !strings.Contains(err.Error(), "901001") {
		t.Fatalf("err = %v", err)
	}
}

// TestDocumentFromFile covers a configuration built in code: the gateway
// reads the document itself.
func TestDocumentFromFile(t *testing.T) {
	cfg, diags := config.Parse([]byte(`
upstreams:
  app: {url: "http://127.0.0.1:1"}
routes:
  - {path: "/api/*", upstream: app, auth: none}
`), filepath.Join("..", "validate", "testdata", "x.yaml"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	u := cfg.Upstreams["app"]
	u.OpenAPI = "demo-openapi-3.1.yaml"
	cfg.Upstreams["app"] = u
	gw, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, httptest.NewRequest("GET", "/api/undocumented", nil))
	if w.Code != http.StatusNotFound {
		t.Fatalf("status %d", w.Code)
	}
	u.OpenAPI = "missing.yaml"
	cfg.Upstreams["app"] = u
	if _, err := New(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "openapi") {
		t.Fatalf("err = %v", err)
	}
}
