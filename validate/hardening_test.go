package validate_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/validate"
)

// recordingUpstream keeps the body and headers it was sent.
type recordingUpstream struct {
	calls  int
	body   []byte
	header http.Header
}

func (u *recordingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.calls++
	u.body, _ = io.ReadAll(r.Body)
	u.header = r.Header.Clone()
	w.WriteHeader(http.StatusNoContent)
}

func compress(t *testing.T, coding, s string) string {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	if coding == "gzip" {
		w = gzip.NewWriter(&b)
	} else {
		w = zlib.NewWriter(&b)
	}
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func multipartBody(t *testing.T, fields ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.String()
}

// TestRequestHardening sends the shapes that made a validator and an
// upstream read different things: media type spellings, charsets,
// encodings, byte order marks, undeclared form fields, bracket keys and
// repeated fields.
func TestRequestHardening(t *testing.T) {
	mpCT, mpRole := multipartBody(t, "name", "x", "role", "admin")
	mpOKCT, mpOK := multipartBody(t, "name", "x", "tags", "a", "tags", "b")
	tests := []struct {
		name, method, path, ctype, encoding, body string
		encode                                    jsonlimits.Encoding
		status                                    int
		pointer                                   string
	}{
		{"capitalised media type still checked", "PATCH", "/users/alice", "Application/Json", "", `{"role":"admin"}`, "", 400, "/role"},
		{"space before the parameter still checked", "PATCH", "/users/alice", "application/json ;charset=utf-8", "", `{"role":"admin"}`, "", 400, "/role"},
		{"quoted upper-case charset accepted", "PATCH", "/users/alice", `application/json; charset="UTF-8"`, "", `{"name":"x"}`, "", 204, ""},
		{"UTF-7 refused", "PATCH", "/users/alice", "application/json; charset=utf-7", "", `{"name":"x+ACIALAAi-role+ACIAOgAi-admin"}`, "", 415, ""},
		{"UTF-16 refused", "PATCH", "/users/alice", "application/json; charset=utf-16", "", `{"name":"x"}`, "", 415, ""},
		{"latin-1 form refused", "PATCH", "/users/alice", "application/x-www-form-urlencoded; charset=iso-8859-1", "", `name=x`, "", 415, ""},
		{"us-ascii with 8-bit bytes refused", "PATCH", "/users/alice", "application/json; charset=us-ascii", "", "{\"name\":\"\xc3\xa9\"}", "", 415, ""},
		{"two Content-Type values refused", "PATCH", "/users/alice", "application/json, text/plain", "", `{"name":"x"}`, "", 415, ""},
		{"undeclared media type refused", "PATCH", "/users/alice", "application/xml", "", `<role>admin</role>`, "", 415, ""},
		{"text/plain JSON refused", "PATCH", "/users/alice", "text/plain", "", `{"role":"admin"}`, "", 415, ""},
		{"body on an operation without one", "DELETE", "/users/alice", "application/json", "", `{"role":"admin"}`, "", 415, ""},
		{"JSON with a BOM", "PATCH", "/users/alice", "application/json", "", "\xef\xbb\xbf{\"role\":\"admin\"}", "", 400, ""},
		{"JSON with a BOM sent as a form", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "\xef\xbb\xbf{\"role\":\"admin\"}", "", 400, ""},
		{"deflate refused by default", "PATCH", "/users/alice", "application/json", "deflate", compress(t, "deflate", `{"role":"admin"}`), "", 415, ""},
		{"gzip refused by default", "PATCH", "/users/alice", "application/json", "gzip", compress(t, "gzip", `{"name":"x"}`), "", 415, ""},
		{"deflate decoded and checked", "PATCH", "/users/alice", "application/json", "deflate", compress(t, "deflate", `{"role":"admin"}`), jsonlimits.EncodingDecode, 400, "/role"},
		{"gzip decoded and passed", "PATCH", "/users/alice", "application/json", "gzip", compress(t, "gzip", `{"name":"x"}`), jsonlimits.EncodingDecode, 204, ""},
		{"stacked encodings refused", "PATCH", "/users/alice", "application/json", "gzip, deflate", compress(t, "gzip", `{"name":"x"}`), jsonlimits.EncodingDecode, 415, ""},
		{"br refused", "PATCH", "/users/alice", "application/json", "br", "xx", jsonlimits.EncodingDecode, 415, ""},
		{"corrupt gzip", "PATCH", "/users/alice", "application/json", "gzip", "\x1f\x8bnot gzip", jsonlimits.EncodingDecode, 400, ""},
		{"gzip bomb", "PATCH", "/users/alice", "application/json", "gzip", compress(t, "gzip", `{"name":"`+strings.Repeat("a", 1<<16)+`"}`), jsonlimits.EncodingDecode, 413, ""},
		{"undeclared form field", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "name=x&role=admin", "", 400, "/role"},
		{"bracket key into a string", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "name[role]=admin", "", 400, "/name/role"},
		{"bracket key into an undeclared property", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "user[role]=admin", "", 400, "/user/role"},
		{"bracket key into an array item", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "tags[0][role]=admin", "", 400, "/tags/0/role"},
		{"encoded brackets", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "user%5Brole%5D=admin", "", 400, "/user/role"},
		{"malformed brackets", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "tags[0=x", "", 400, ""},
		{"repeated scalar", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "name=x&name=admin", "", 400, "/name"},
		{"_method in a form", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "name=x&_method=DELETE", "", 400, ""},
		{"undeclared multipart field", "PATCH", "/users/alice", mpCT, "", mpRole, "", 400, "/role"},
		{"declared object and array fields pass", "PATCH", "/users/alice", "application/x-www-form-urlencoded", "", "name=x&tags=c&tags=d", "", 204, ""},
		{"repeated array in multipart passes", "PATCH", "/users/alice", mpOKCT, "", mpOK, "", 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events bytes.Buffer
			lim, err := jsonlimits.New(jsonlimits.Config{MaxBody: 4096, RequestEncoding: tt.encode})
			if err != nil {
				t.Fatal(err)
			}
			v := newValidator(t, "testdata/hardening.yaml", validate.Config{MaxBody: 4096, Limits: lim, RejectUnknownProperties: true, Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
			up := &recordingUpstream{}
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			for _, ct := range strings.Split(tt.ctype, ", ") {
				r.Header.Add("Content-Type", ct)
			}
			if tt.encoding != "" {
				r.Header.Set("Content-Encoding", tt.encoding)
			}
			w := httptest.NewRecorder()
			v.Handler(up).ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status >= 400 {
				if up.calls != 0 {
					t.Fatal("upstream reached")
				}
				if !strings.Contains(events.String(), audit.ValidationFailed) || !strings.Contains(events.String(), `"owasp":"API`) {
					t.Fatalf("no typed event: %s", events.String())
				}
				if strings.Contains(events.String(), "admin") || strings.Contains(w.Body.String(), "admin") {
					t.Fatalf("a value was echoed: %s %s", events.String(), w.Body)
				}
				if tt.pointer != "" && !strings.Contains(w.Body.String(), `"pointer":"`+tt.pointer+`"`) {
					t.Fatalf("pointer %q missing: %s", tt.pointer, w.Body)
				}
				return
			}
			if tt.encoding != "" {
				if up.header.Get("Content-Encoding") != "" || !bytes.HasPrefix(up.body, []byte("{")) {
					t.Fatalf("upstream got an encoded body: %q %q", up.header.Get("Content-Encoding"), up.body)
				}
			}
		})
	}
}

// TestHeadIsGet checks that HEAD is inventoried and validated as the GET
// of the same path when the document does not describe HEAD.
func TestHeadIsGet(t *testing.T) {
	v := newValidator(t, "testdata/hardening.yaml", validate.Config{})
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/users/alice", 204},
		{"/users/ALICE", 400},
		{"/undocumented", 404},
	} {
		w := httptest.NewRecorder()
		v.Handler(&recordingUpstream{}).ServeHTTP(w, httptest.NewRequest("HEAD", tt.path, nil))
		if w.Code != tt.status {
			t.Fatalf("HEAD %s: status %d, want %d", tt.path, w.Code, tt.status)
		}
	}
}

// TestResponseMediaTypes checks that every 2xx of a documented operation
// carries a declared media type, and that an operation without response
// schemas passes its responses unchanged under filter.
func TestResponseMediaTypes(t *testing.T) {
	leak := `{"id":"alice","role":"user","password_hash":"secrethash"}`
	tests := []struct {
		name, method, path string
		mode               validate.Mode
		ctype, body        string
		status             int
		event              string
	}{
		{"JSONP rendering refused", "GET", "/users/alice?callback=cb", validate.Filter, "text/javascript", "cb(" + leak + ")", 502, audit.ResponseFiltered},
		{"HTML rendering refused", "GET", "/users/alice", validate.Filter, "text/html", "<pre>" + leak + "</pre>", 502, audit.ResponseFiltered},
		{"CSV where only JSON is declared", "GET", "/users/alice", validate.Filter, "text/csv", "id,password_hash\nalice,secrethash", 502, audit.ResponseFiltered},
		{"missing Content-Type refused", "GET", "/users/alice", validate.Filter, "", leak, 502, audit.ResponseFiltered},
		{"report passes an undeclared type", "GET", "/users/alice", validate.Report, "text/javascript", "cb(" + leak + ")", 200, audit.ResponseFiltered},
		{"declared CSV passes", "GET", "/export", validate.Filter, "text/csv; charset=utf-8", "id,name\nalice,Alice", 200, ""},
		{"capitalised JSON is filtered", "GET", "/users/alice", validate.Filter, "Application/JSON", leak, 200, audit.ResponseFiltered},
		{"no response schema passes unchanged under filter", "PATCH", "/users/alice", validate.Filter, "application/json", leak, 200, ""},
		{"no response schema refused under enforce", "PATCH", "/users/alice", validate.Enforce, "application/json", leak, 502, audit.ValidationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events bytes.Buffer
			v := newValidator(t, "testdata/hardening.yaml", validate.Config{Responses: tt.mode, Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
			var body io.Reader
			if tt.method == "PATCH" {
				body = strings.NewReader(`{"name":"x"}`)
			}
			r := httptest.NewRequest(tt.method, tt.path, body)
			if body != nil {
				r.Header.Set("Content-Type", "application/json")
			}
			w := httptest.NewRecorder()
			v.Handler(upstream(200, tt.ctype, tt.body)).ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status == 502 && strings.Contains(w.Body.String(), "secrethash") {
				t.Fatalf("refused body leaked: %s", w.Body)
			}
			if tt.event == "" && events.Len() > 0 {
				t.Fatalf("unexpected events: %s", events.String())
			}
			if tt.event != "" && !strings.Contains(events.String(), `"event":"`+tt.event+`"`) {
				t.Fatalf("no %s event: %s", tt.event, events.String())
			}
			if strings.Contains(events.String(), "secrethash") {
				t.Fatalf("event carries a value: %s", events.String())
			}
		})
	}
	v := newValidator(t, "testdata/hardening.yaml", validate.Config{})
	if got := strings.Join(v.WithoutResponseSchema(), ","); got != "DELETE /users/{id},PATCH /users/{id}" {
		t.Fatalf("WithoutResponseSchema = %s", got)
	}
}

// TestMethodOverrideRefusedInReport checks that report mode, which lets
// invalid requests through, still refuses a _method form field.
func TestMethodOverrideRefusedInReport(t *testing.T) {
	v := newValidator(t, "testdata/hardening.yaml", validate.Config{Requests: validate.Report})
	up := &recordingUpstream{}
	r := httptest.NewRequest("PATCH", "/users/alice", strings.NewReader("name=x&_method=DELETE"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	v.Handler(up).ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || up.calls != 0 {
		t.Fatalf("status %d, upstream calls %d", w.Code, up.calls)
	}
	r = httptest.NewRequest("PATCH", "/users/alice", strings.NewReader("name=x&role=admin"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	v.Handler(up).ServeHTTP(w, r)
	if w.Code != http.StatusNoContent || up.calls != 1 {
		t.Fatalf("report mode refused an undeclared field: %d", w.Code)
	}
}
