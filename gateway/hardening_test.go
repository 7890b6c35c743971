package gateway

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/apikey"
	"github.com/rampart-api/rampart/config"
)

// lenientAPI behaves as the upstreams of the penetration test did, each
// leniency at once: Express's method-override (header, ?_method, form
// field) on POST, body-parser's UTF-7 and deflate decoding, qs bracket
// keys, Go's and Flask's JSON decoding whatever the Content-Type (Flask
// skipping a byte order mark), Flask's request.values merging query and
// body; handlers assign the whole body onto the user (mass assignment) and
// render JSONP on ?callback=.
type lenientAPI struct {
	mu      sync.Mutex
	users   map[string]map[string]any
	deleted []string
	seen    []seenRequest
}

type seenRequest struct {
	method, uri string
	header      http.Header
}

func newLenientAPI() *lenientAPI {
	return &lenientAPI{users: map[string]map[string]any{
		"alice": {"id": "alice", "name": "Alice", "role": "user", "password_hash": leakedHash},
	}}
}

func (a *lenientAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	body := lenientBody(r, raw)
	method := r.Method
	if method == http.MethodPost {
		switch {
		case r.Header.Get("X-HTTP-Method-Override") != "":
			method, _, _ = strings.Cut(r.Header.Get("X-HTTP-Method-Override"), ",")
		case r.URL.Query().Get("_method") != "":
			method = r.URL.Query().Get("_method")
		case body["_method"] != nil:
			method = fmt.Sprint(body["_method"])
		}
		method = strings.ToUpper(strings.TrimSpace(method))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = append(a.seen, seenRequest{method: r.Method, uri: r.URL.RequestURI(), header: r.Header.Clone()})
	id := strings.ToLower(strings.TrimPrefix(r.URL.Path, "/api/users/"))
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/users/"):
		u := a.users[id]
		if u == nil {
			http.Error(w, "no such user", http.StatusNotFound)
			return
		}
		switch method {
		case http.MethodDelete:
			delete(a.users, id)
			a.deleted = append(a.deleted, "user "+id)
			w.WriteHeader(http.StatusNoContent)
			return
		case http.MethodPost, http.MethodPatch, http.MethodPut:
			patch := body
			if nested, ok := body["user"].(map[string]any); ok {
				patch = nested
			}
			for k, v := range patch {
				u[k] = v
			}
		}
		out, _ := json.Marshal(u)
		if cb := r.URL.Query().Get("callback"); cb != "" {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			fmt.Fprintf(w, "/**/ typeof %s === 'function' && %s(%s);", cb, cb, out)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
	case strings.HasPrefix(r.URL.Path, "/api/items/"):
		if method == http.MethodDelete {
			a.deleted = append(a.deleted, "item "+strings.TrimPrefix(r.URL.Path, "/api/items/"))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusOK)
	case r.URL.Path == "/api/notes":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":7,"text":"hello","author_ip":"10.0.0.7"}`)
	default:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}
}

// lenientBody decodes a body the way the most lenient of the upstreams
// would, and merges the query under it (Flask's request.values).
func lenientBody(r *http.Request, raw []byte) map[string]any {
	if r.Header.Get("Content-Encoding") == "deflate" {
		if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
			raw, _ = io.ReadAll(zr)
		}
	}
	_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if strings.EqualFold(params["charset"], "utf-7") {
		raw = []byte(decodeUTF7(string(raw)))
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	out := map[string]any{}
	for k, vs := range r.URL.Query() {
		out[k] = vs[0]
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
		var m map[string]any
		if json.Unmarshal(t, &m) == nil {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	form, _ := url.ParseQuery(string(raw))
	for k, vs := range form {
		if base, sub, ok := strings.Cut(k, "["); ok {
			nested, _ := out[base].(map[string]any)
			if nested == nil {
				nested = map[string]any{}
				out[base] = nested
			}
			nested[strings.TrimSuffix(sub, "]")] = vs[len(vs)-1]
			continue
		}
		out[k] = vs[len(vs)-1]
	}
	return out
}

// decodeUTF7 decodes RFC 2152 UTF-7 as iconv-lite does for body-parser:
// "+" opens modified base64 of UTF-16BE, closed by "-" or any other
// character.
func decodeUTF7(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '+' {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		for j < len(s) && strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", s[j]) >= 0 {
			j++
		}
		if j == i+1 && j < len(s) && s[j] == '-' {
			b.WriteByte('+')
			i = j
			continue
		}
		seg := s[i+1 : j]
		if len(seg)%4 == 1 {
			seg = seg[:len(seg)-1]
		}
		data, _ := base64.RawStdEncoding.DecodeString(seg)
		units := make([]uint16, len(data)/2)
		for k := range units {
			units[k] = uint16(data[2*k])<<8 | uint16(data[2*k+1])
		}
		b.WriteString(string(utf16.Decode(units)))
		if j < len(s) && s[j] == '-' {
			j++
		}
		i = j - 1
	}
	return b.String()
}

func (a *lenientAPI) user(id string) map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.users[id]
}

func (a *lenientAPI) requests() []seenRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]seenRequest(nil), a.seen...)
}

func (a *lenientAPI) deletions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.deleted...)
}

const (
	userKey  = "rk_user_0123456789abcdef0123456789abcdef"
	adminKey = "rk_admin_0123456789abcdef0123456789abcde"
)

var hardeningConfig = `
server: {max_body_bytes: 65536}
upstreams:
  app:
    url: %[1]s
    openapi: ./openapi.yaml
  plain: {url: %[1]s}
auth:
  apikey:
    keys:
      - {hash: "` + apikey.Hash(userKey) + `", subject: alice, roles: [user]}
      - {hash: "` + apikey.Hash(adminKey) + `", subject: root, roles: [admin]}
limits: {request_encoding: %[2]s}
rate_limits: {default: []}
routes:
  - {path: "/api/users/{id}", methods: [GET, POST, PATCH], upstream: app, auth: apikey}
  - {path: "/api/users/{id}", methods: [DELETE], upstream: app, auth: apikey, roles: [admin]}
  - {path: "/api/items/{id}", methods: [POST], upstream: app, auth: apikey}
  - {path: "/api/items/{id}", methods: [DELETE], upstream: app, auth: apikey, roles: [admin], method_override: allow}
  - {path: "/api/notes", methods: [POST], upstream: app, auth: apikey}
  - {path: "/plain/*", methods: [GET, POST], upstream: plain, auth: apikey}
`

type hardeningFixture struct {
	gw     *Gateway
	up     *lenientAPI
	direct string
	events *bytes.Buffer
}

func newHardeningFixture(t *testing.T, encoding string) *hardeningFixture {
	t.Helper()
	up := newLenientAPI()
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	gw, events := newHardeningGateway(t, srv.URL, encoding)
	return &hardeningFixture{gw: gw, up: up, direct: srv.URL, events: events}
}

// newHardeningGateway builds the gateway of the hardening tests in front
// of upstream, from a file as rampart serve loads it.
func newHardeningGateway(t *testing.T, upstream, encoding string) (*Gateway, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	doc, err := os.ReadFile("testdata/hardening-openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), doc, 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(hardeningConfig, upstream, encoding)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(file)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	events := &bytes.Buffer{}
	gw, err := New(cfg, Options{Events: audit.NewLogger(slog.NewJSONHandler(events, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	return gw, events
}

// attack is one request of the penetration test.
type attack struct {
	name, method, target string
	header               []string // name, value pairs
	body                 string
}

func (a attack) request(base string) *http.Request {
	r := httptest.NewRequest(a.method, a.target, strings.NewReader(a.body))
	if base != "" {
		r, _ = http.NewRequest(a.method, base+a.target, strings.NewReader(a.body))
	}
	for i := 0; i+1 < len(a.header); i += 2 {
		r.Header.Add(a.header[i], a.header[i+1])
	}
	return r
}

func (f *hardeningFixture) send(a attack, key string) *httptest.ResponseRecorder {
	r := a.request("")
	r.Header.Set("X-API-Key", key)
	w := httptest.NewRecorder()
	f.gw.ServeHTTP(w, r)
	return w
}

// sendDirect sends the attack to the upstream itself, to show that it
// works there: the refusal at the gateway is what stops it.
func (f *hardeningFixture) sendDirect(t *testing.T, a attack) {
	t.Helper()
	resp, err := http.DefaultClient.Do(a.request(f.direct))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

func (f *hardeningFixture) event(t *testing.T, name, owasp string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(f.events.String()), "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil && e["event"] == name && (owasp == "" || e["owasp"] == owasp) {
			return
		}
	}
	t.Fatalf("no %s event (%s): %s", name, owasp, f.events)
}

func zlibString(s string) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	_, _ = io.WriteString(w, s)
	_ = w.Close()
	return b.String()
}

// TestMassAssignmentBypasses replays the request-body bypasses against a
// gateway in front of the lenient upstream. Each attack first runs against
// the upstream directly and must make alice an admin there; through the
// gateway it must be refused with its status and a typed event, and
// alice must stay a user.
func TestMassAssignmentBypasses(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		attack
		status     int
		event, tag string
		encoding   string
	}{
		{attack{"capitalised media type", "PATCH", "/api/users/alice", []string{"Content-Type", "Application/Json"}, `{"role":"admin"}`}, 400, audit.ValidationFailed, audit.OWASPPropertyAuthz, ""},
		{attack{"space before the parameter", "PATCH", "/api/users/alice", []string{"Content-Type", "application/json ;charset=utf-8"}, `{"role":"admin"}`}, 400, audit.ValidationFailed, audit.OWASPPropertyAuthz, ""},
		{attack{"UTF-7 charset", "PATCH", "/api/users/alice", []string{"Content-Type", "application/json; charset=utf-7"}, `{"name":"x+ACIALAAi-role+ACIAOgAi-admin"}`}, 415, audit.ValidationFailed, audit.OWASPPropertyAuthz, ""},
		{attack{"deflate body", "PATCH", "/api/users/alice", []string{"Content-Type", "application/json", "Content-Encoding", "deflate"}, zlibString(`{"role":"admin"}`)}, 415, audit.ValidationFailed, audit.OWASPPropertyAuthz, ""},
		{attack{"deflate body decoded", "PATCH", "/api/users/alice", []string{"Content-Type", "application/json", "Content-Encoding", "deflate"}, zlibString(`{"role":"admin"}`)}, 400, audit.ValidationFailed, audit.OWASPPropertyAuthz, "decode"},
		{attack{"JSON with a BOM sent as a form", "PATCH", "/api/users/alice", []string{"Content-Type", form}, "\xef\xbb\xbf{\"role\":\"admin\"}"}, 400, audit.ValidationFailed, audit.OWASPPropertyAuthz, ""},
		{attack{"JSON sent as text/plain", "PATCH", "/api/users/alice", []string{"Content-Type", "text/plain"}, `{"role":"admin"}`}, 415, audit.ValidationFailed, "", ""},
		{attack{"JSON under a media type the operation does not take", "POST", "/api/users/alice", []string{"Content-Type", form}, `{"role":"admin"}`}, 415, audit.ValidationFailed, "", ""},
		{attack{"undeclared form field", "PATCH", "/api/users/alice", []string{"Content-Type", form}, "name=x&role=admin"}, 400, audit.ValidationFailed, audit.OWASPPropertyAuthz, ""},
		{attack{"bracket key", "PATCH", "/api/users/alice", []string{"Content-Type", form}, "user[role]=admin"}, 400, audit.ValidationFailed, audit.OWASPPropertyAuthz, ""},
		{attack{"repeated field", "PATCH", "/api/users/alice", []string{"Content-Type", form}, "role=user&name=x&name=y&role=admin"}, 400, audit.ValidationFailed, audit.OWASPPropertyAuthz, ""},
		{attack{"query merged into the body", "PATCH", "/api/users/alice?role=admin", []string{"Content-Type", form}, "name=x"}, 400, audit.ValidationFailed, audit.OWASPPropertyAuthz, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := tt.encoding
			if enc == "" {
				enc = "refuse"
			}
			f := newHardeningFixture(t, enc)
			f.sendDirect(t, tt.attack)
			if role := f.up.user("alice")["role"]; role != "admin" {
				t.Fatalf("the upstream does not fall for it (role %v): the simulation is wrong", role)
			}
			f = newHardeningFixture(t, enc)
			w := f.send(tt.attack, userKey)
			decodeProblem(t, w, tt.status)
			if role := f.up.user("alice")["role"]; role != "user" {
				t.Fatalf("alice became %v", role)
			}
			if n := len(f.up.requests()); n != 0 {
				t.Fatalf("upstream reached %d times", n)
			}
			f.event(t, tt.event, tt.tag)
			if strings.Contains(f.events.String(), "admin") {
				t.Fatalf("event echoes the body: %s", f.events)
			}
		})
	}
}

// TestMethodOverride replays the method override bypasses: the admin-only
// DELETE must never run for a user, whichever way the override travels.
func TestMethodOverride(t *testing.T) {
	tests := []struct {
		attack
		key        string
		status     int
		event, tag string
		sawMethod  string // the method the upstream saw, "" if not reached
	}{
		{attack{"header override is removed", "POST", "/api/users/alice", []string{"Content-Type", "application/json", "X-HTTP-Method-Override", "DELETE"}, `{"name":"Al"}`}, userKey, 200, audit.MethodOverrideIgnored, audit.OWASPFunctionAuthz, "POST"},
		{attack{"X-HTTP-Method is removed", "POST", "/api/users/alice", []string{"Content-Type", "application/json", "X-HTTP-Method", "DELETE"}, `{"name":"Al"}`}, userKey, 200, audit.MethodOverrideIgnored, audit.OWASPFunctionAuthz, "POST"},
		{attack{"X-Method-Override on a route without a document", "POST", "/plain/x", []string{"Content-Type", "application/json", "X-Method-Override", "DELETE"}, `{}`}, userKey, 200, audit.MethodOverrideIgnored, audit.OWASPFunctionAuthz, "POST"},
		{attack{"query override", "POST", "/api/users/alice?_method=DELETE", []string{"Content-Type", "application/json"}, `{}`}, userKey, 400, audit.RequestRejected, audit.OWASPFunctionAuthz, ""},
		{attack{"encoded query override", "POST", "/api/users/alice?%5Fmethod=delete", []string{"Content-Type", "application/json"}, `{}`}, userKey, 400, audit.RequestRejected, audit.OWASPFunctionAuthz, ""},
		{attack{"query override to an undocumented method", "POST", "/api/users/alice?_method=PUT", []string{"Content-Type", "application/json"}, `{}`}, adminKey, 400, audit.RequestRejected, audit.OWASPFunctionAuthz, ""},
		{attack{"form field override", "POST", "/plain/x", []string{"Content-Type", "application/x-www-form-urlencoded"}, "_method=DELETE"}, userKey, 400, audit.ValidationFailed, audit.OWASPFunctionAuthz, ""},
		{attack{"allowed override is authorized as DELETE", "POST", "/api/items/i1?_method=DELETE", nil, ""}, userKey, 403, audit.AuthzDenied, "", ""},
		{attack{"allowed header override is authorized as DELETE", "POST", "/api/items/i1", []string{"X-HTTP-Method-Override", "DELETE"}, ""}, userKey, 403, audit.AuthzDenied, "", ""},
		{attack{"allowed override runs DELETE for an admin", "POST", "/api/items/i1?_method=DELETE", nil, ""}, adminKey, 204, "", "", "DELETE"},
		{attack{"conflicting overrides", "POST", "/api/items/i1?_method=DELETE", []string{"X-HTTP-Method-Override", "PUT"}, ""}, adminKey, 400, audit.RequestRejected, audit.OWASPFunctionAuthz, ""},
		{attack{"override on GET is removed", "GET", "/api/items/i1", []string{"X-HTTP-Method-Override", "DELETE"}, ""}, adminKey, 405, audit.MethodOverrideIgnored, "", ""},
	}
	direct := newHardeningFixture(t, "refuse")
	for _, a := range []attack{
		{"header", "POST", "/api/users/alice", []string{"X-HTTP-Method-Override", "DELETE"}, ""},
		{"query", "POST", "/api/users/alice?_method=DELETE", nil, ""},
		{"form", "POST", "/api/users/alice", []string{"Content-Type", "application/x-www-form-urlencoded"}, "_method=DELETE"},
	} {
		direct.up.users["alice"] = map[string]any{"role": "user"}
		direct.sendDirect(t, a)
		if direct.up.user("alice") != nil {
			t.Fatalf("%s override does not delete at the upstream: the simulation is wrong", a.name)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHardeningFixture(t, "refuse")
			w := f.send(tt.attack, tt.key)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.event != "" {
				f.event(t, tt.event, tt.tag)
			}
			if f.up.user("alice") == nil {
				t.Fatal("alice was deleted")
			}
			seen := f.up.requests()
			if tt.sawMethod == "" {
				if len(seen) != 0 {
					t.Fatalf("upstream reached: %v", seen)
				}
				return
			}
			if len(seen) != 1 || seen[0].method != tt.sawMethod {
				t.Fatalf("upstream saw %v, want one %s", seen, tt.sawMethod)
			}
			for _, h := range []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"} {
				if _, ok := seen[0].header[h]; ok {
					t.Fatalf("%s reached the upstream", h)
				}
			}
			if strings.Contains(seen[0].uri, "_method") {
				t.Fatalf("upstream saw %s", seen[0].uri)
			}
			if tt.sawMethod == "DELETE" && len(f.up.deletions()) != 1 {
				t.Fatalf("deletions %v", f.up.deletions())
			}
			if tt.sawMethod != "DELETE" && len(f.up.deletions()) != 0 {
				t.Fatalf("deletions %v", f.up.deletions())
			}
		})
	}
}

// TestResponseRenderings checks that only declared media types leave a
// documented operation, that HEAD is served as GET, and that an operation
// without a response schema passes unchanged and quietly under filter.
func TestResponseRenderings(t *testing.T) {
	f := newHardeningFixture(t, "refuse")
	w := f.send(attack{"JSONP", "GET", "/api/users/alice?callback=cb", nil, ""}, userKey)
	decodeProblem(t, w, http.StatusBadGateway)
	if strings.Contains(w.Body.String(), "argon2") {
		t.Fatalf("hash leaked: %s", w.Body)
	}
	f.event(t, audit.ResponseFiltered, audit.OWASPPropertyAuthz)

	w = f.send(attack{"JSON", "GET", "/api/users/alice", nil, ""}, userKey)
	if w.Code != 200 || strings.Contains(w.Body.String(), "argon2") || !strings.Contains(w.Body.String(), `"role":"user"`) {
		t.Fatalf("GET: %d %s", w.Code, w.Body)
	}

	w = f.send(attack{"HEAD", "HEAD", "/api/users/alice", nil, ""}, userKey)
	if w.Code != 200 {
		t.Fatalf("HEAD: %d %s", w.Code, w.Body)
	}
	w = f.send(attack{"HEAD with a bad id", "HEAD", "/api/users/ALICE1", nil, ""}, userKey)
	if w.Code != 400 {
		t.Fatalf("HEAD with a bad id: %d", w.Code)
	}

	f.events.Reset()
	before := len(f.up.requests())
	w = f.send(attack{"no response schema", "POST", "/api/notes", []string{"Content-Type", "application/json"}, `{"text":"hello"}`}, userKey)
	if w.Code != 201 || w.Body.String() != `{"id":7,"text":"hello","author_ip":"10.0.0.7"}` {
		t.Fatalf("note: %d %s", w.Code, w.Body)
	}
	if f.events.Len() != 0 {
		t.Fatalf("events for a response without schema: %s", f.events)
	}
	if n := len(f.up.requests()) - before; n != 1 {
		t.Fatalf("upstream ran the write %d times", n)
	}
}

func TestDecodeUTF7(t *testing.T) {
	for in, want := range map[string]string{
		`{"name":"x+ACIALAAi-role+ACIAOgAi-admin"}`: `{"name":"x","role":"admin"}`,
		"a+-b":            "a+b",
		"Hi Mom -+Jjo--!": "Hi Mom -\u263a-!",
	} {
		if got := decodeUTF7(in); got != want {
			t.Errorf("decodeUTF7(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRequestsOffKeepsBodyChecks checks that validation.requests: off
// does not switch off the checks every route has.
func TestRequestsOffKeepsBodyChecks(t *testing.T) {
	up := newLenientAPI()
	srv := httptest.NewServer(up)
	defer srv.Close()
	cfg, diags := config.Parse([]byte(`
upstreams:
  app:
    url: `+srv.URL+`
    openapi: testdata/hardening-openapi.yaml
    validation: {requests: off}
routes:
  - {path: "/api/users/{id}", methods: [POST], upstream: app, auth: none}
`), "rampart.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	gw, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	for _, body := range []string{"_method=DELETE", "role=admin;x=1"} {
		r := httptest.NewRequest("POST", "/api/users/alice", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, r)
		if w.Code < 400 || up.user("alice") == nil || len(up.requests()) != 0 {
			t.Fatalf("%q: status %d, upstream saw %v", body, w.Code, up.requests())
		}
	}
}

// TestDecodedBodyForwarded checks that with request_encoding: decode the
// upstream receives the decoded bytes that were validated, without the
// Content-Encoding header.
func TestDecodedBodyForwarded(t *testing.T) {
	f := newHardeningFixture(t, "decode")
	w := f.send(attack{"deflate", "PATCH", "/api/users/alice", []string{"Content-Type", "application/json", "Content-Encoding", "deflate"}, zlibString(`{"name":"Al"}`)}, userKey)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	seen := f.up.requests()
	if len(seen) != 1 || seen[0].header.Get("Content-Encoding") != "" || seen[0].header.Get("Content-Length") != "13" {
		t.Fatalf("upstream saw %+v", seen)
	}
	if name := f.up.user("alice")["name"]; name != "Al" {
		t.Fatalf("name %v", name)
	}
}
