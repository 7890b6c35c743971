package validate_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/validate"
)

func newValidator(t testing.TB, file string, cfg validate.Config) *validate.Validator {
	t.Helper()
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Document = doc
	v, err := validate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type problemBody struct {
	Status int
	Errors []struct{ Pointer, Detail string }
}

func pointersOf(t *testing.T, body []byte) []string {
	t.Helper()
	var p problemBody
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.Pointer
	}
	return out
}

var requestCases = []struct {
	name, method, path, contentType, body string
	header                                map[string]string
	status                                int
	pointers                              []string
}{
	{"valid signup", "POST", "/api/signup", "application/json", `{"username":"ada","password":"correct horse","email":"ada@example.com"}`, nil, 200, nil},
	{"mass assignment role", "POST", "/api/signup", "application/json", `{"username":"ada","password":"correct horse","email":"ada@example.com","role":"admin"}`, nil, 400, []string{"/role"}},
	{"__proto__ pollution", "POST", "/api/signup", "application/json", `{"username":"ada","password":"correct horse","email":"ada@example.com","__proto__":{"role":"admin"}}`, nil, 400, []string{"/__proto__"}},
	{"NoSQL operator where a string is expected", "POST", "/api/login", "application/json", `{"username":{"$gt":""},"password":"correct horse"}`, nil, 400, []string{"/username"}},
	{"undeclared property under additionalProperties false", "POST", "/api/login", "application/json", `{"username":"ada","password":"correct horse","is_superuser":true}`, nil, 400, []string{"/is_superuser"}},
	{"missing required", "POST", "/api/login", "application/json", `{"username":"ada"}`, nil, 400, []string{"/password"}},
	{"bad email format", "POST", "/api/signup", "application/json", `{"username":"ada","password":"correct horse","email":"not-an-email"}`, nil, 400, []string{"/email"}},
	{"pattern", "POST", "/api/login", "application/json", `{"username":"ada'; DROP TABLE users;--","password":"correct horse"}`, nil, 400, []string{"/username"}},
	{"too short", "POST", "/api/login", "application/json", `{"username":"ada","password":"short"}`, nil, 400, []string{"/password"}},
	{"readOnly id in request", "POST", "/api/notes", "application/json", `{"title":"t","body":"b","id":7}`, map[string]string{"Authorization": "Bearer x"}, 400, []string{"/id"}},
	{"10 MB string", "POST", "/api/notes", "application/json", `{"title":"t","body":"` + strings.Repeat("A", 10<<20) + `"}`, nil, 413, []string{""}},
	{"deep nesting", "POST", "/api/notes", "application/json", `{"title":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `,"body":"b"}`, nil, 400, []string{"/title/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0"}},
	{"duplicate keys", "POST", "/api/signup", "application/json", `{"username":"ada","password":"correct horse","email":"ada@example.com","username":"root"}`, nil, 400, []string{"/username"}},
	{"invalid UTF-8", "POST", "/api/notes", "application/json", "{\"title\":\"\xff\",\"body\":\"b\"}", nil, 400, []string{"/title"}},
	{"wrong content type", "POST", "/api/notes", "text/plain", `{"title":"t","body":"b"}`, nil, 415, []string{""}},
	{"form where JSON is declared", "POST", "/api/notes", "application/x-www-form-urlencoded", `title=t&body=b`, nil, 415, []string{"header/Content-Type"}},
	{"path param not an integer", "GET", "/api/users/1%20OR%201=1", "", "", nil, 400, []string{"path/id"}},
	{"path param below minimum", "GET", "/api/users/0", "", "", nil, 400, []string{"path/id"}},
	{"valid path param", "GET", "/api/users/42", "", "", nil, 200, nil},
	{"missing body", "POST", "/api/notes", "application/json", ``, nil, 400, []string{""}},
}

func TestRequests(t *testing.T) {
	lim, err := jsonlimits.New(jsonlimits.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{"testdata/demo-openapi.yaml", "testdata/demo-openapi-3.1.yaml"} {
		v := newValidator(t, doc, validate.Config{RejectUnknownProperties: true, Limits: lim, MaxBody: 2 << 20, Responses: validate.Off})
		for _, tt := range requestCases {
			t.Run(doc[9:]+"/"+tt.name, func(t *testing.T) {
				var got []byte
				h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					got, _ = io.ReadAll(r.Body)
				}))
				r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
				if tt.contentType != "" {
					r.Header.Set("Content-Type", tt.contentType)
				}
				for k, val := range tt.header {
					r.Header.Set(k, val)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != tt.status {
					t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
				}
				if tt.status == 200 {
					if string(got) != tt.body {
						t.Fatalf("upstream got %q, want the body intact", got)
					}
					return
				}
				if ps := pointersOf(t, w.Body.Bytes()); strings.Join(ps, ",") != strings.Join(tt.pointers, ",") {
					t.Fatalf("pointers = %q, want %q: %s", ps, tt.pointers, w.Body)
				}
				for _, leak := range []string{"$gt", "DROP TABLE", "not-an-email", "admin", "AAAA", "root"} {
					if bytes.Contains(w.Body.Bytes(), []byte(leak)) {
						t.Fatalf("problem echoes %q: %s", leak, w.Body)
					}
				}
			})
		}
	}
}

func TestParametersAndForms(t *testing.T) {
	v := newValidator(t, "testdata/rules.yaml", validate.Config{Responses: validate.Off})
	tests := []struct {
		name, method, target, contentType, body string
		header                                  map[string]string
		status                                  int
		pointers                                []string
	}{
		{"valid query", "GET", "/api/search?q=go&limit=10", "", "", nil, 200, nil},
		{"missing required query", "GET", "/api/search", "", "", nil, 400, []string{"query/q"}},
		{"query over maxLength", "GET", "/api/search?q=" + strings.Repeat("x", 51), "", "", nil, 400, []string{"query/q"}},
		{"query not an integer", "GET", "/api/search?q=a&limit=1%20OR%201", "", "", nil, 400, []string{"query/limit"}},
		{"header not a uuid", "GET", "/api/search?q=a", "", "", map[string]string{"X-Trace-Id": "../../etc/passwd"}, 400, []string{"header/X-Trace-Id"}},
		{"cookie pattern", "GET", "/api/search?q=a", "", "", map[string]string{"Cookie": "session=' OR 1=1"}, 400, []string{"cookie/session"}},
		{"valid event", "POST", "/api/events", "application/json", `{"at":"2026-11-28T04:10:00Z","kind":"click","meta":{"any":"thing"}}`, nil, 200, nil},
		{"date-time and enum", "POST", "/api/events", "application/json", `{"at":"yesterday","kind":"purchase"}`, nil, 400, []string{"/at", "/kind"}},
		{"maxItems", "POST", "/api/events", "application/json", `{"at":"2026-11-28T04:10:00Z","kind":"view","tags":["a","b","c","d"]}`, nil, 400, []string{"/tags"}},
		{"valid form", "POST", "/api/contact", "application/x-www-form-urlencoded", "email=ada%40example.com&message=hi", nil, 200, nil},
		{"form email format and length", "POST", "/api/contact", "application/x-www-form-urlencoded", "email=nope&message=" + strings.Repeat("x", 21), nil, 400, []string{"/email", "/message"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := v.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			for k, val := range tt.header {
				r.Header.Set(k, val)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status != 200 {
				ps := pointersOf(t, w.Body.Bytes())
				if strings.Join(ps, ",") != strings.Join(tt.pointers, ",") {
					t.Fatalf("pointers = %q, want %q", ps, tt.pointers)
				}
			}
		})
	}
}

func TestInventory(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mode   validate.Mode
		method string
		path   string
		status int
		event  bool
	}{
		{"documented", validate.Enforce, "GET", "/api/health", 200, false},
		{"shadow endpoint enforced", validate.Enforce, "GET", "/api/v1/users/1", 404, true},
		{"undocumented method enforced", validate.Enforce, "DELETE", "/api/users/1", 404, true},
		{"zombie endpoint reported", validate.Report, "GET", "/api/old/export", 200, true},
		{"off", validate.Off, "GET", "/api/old/export", 200, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var events bytes.Buffer
			v := newValidator(t, "testdata/demo-openapi.yaml", validate.Config{Inventory: tt.mode, Responses: validate.Off,
				Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
			h := v.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d", w.Code, tt.status)
			}
			if got := strings.Contains(events.String(), `"owasp":"API9:2023"`); got != tt.event {
				t.Fatalf("event = %v, want %v: %s", got, tt.event, events.String())
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := validate.New(validate.Config{Requests: "block", Responses: "strip", MaxBody: -1})
	for _, want := range []string{"Requests", "Responses", "MaxBody", "one of Document and File"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New error %v does not report %s", err, want)
		}
	}
	_, err = validate.New(validate.Config{Document: []byte("openapi: 3.0.3\npaths: {}")})
	if err == nil {
		t.Fatal("invalid document accepted")
	}
}

func TestLongNamesAreNotEchoed(t *testing.T) {
	v := newValidator(t, "testdata/demo-openapi.yaml", validate.Config{RejectUnknownProperties: true})
	name := strings.Repeat("n", 1000)
	r := httptest.NewRequest("POST", "/api/signup", strings.NewReader(`{"username":"ada","password":"correct horse","email":"a@b.c","`+name+`":1}`))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	v.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Code != 400 || strings.Contains(w.Body.String(), name) {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
}
