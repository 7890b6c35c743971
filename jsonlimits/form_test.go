package jsonlimits_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/jsonlimits"
)

var mediaTypeCases = []struct {
	header       string
	typ, charset string
	kind         jsonlimits.Kind
	err          bool
}{
	{"application/json", "application/json", "", jsonlimits.KindJSON, false},
	{"Application/Json", "application/json", "", jsonlimits.KindJSON, false},
	{"application/json ;charset=utf-8", "application/json", "utf-8", jsonlimits.KindJSON, false},
	{`APPLICATION/JSON; Charset="UTF-7"`, "application/json", "utf-7", jsonlimits.KindJSON, false},
	{"application/vnd.api+json", "application/vnd.api+json", "", jsonlimits.KindJSON, false},
	{"application/x-www-form-urlencoded; charset=UTF-8", "application/x-www-form-urlencoded", "utf-8", jsonlimits.KindForm, false},
	{"multipart/form-data; boundary=xyz", "multipart/form-data", "", jsonlimits.KindMultipart, false},
	{"text/plain", "text/plain", "", jsonlimits.KindText, false},
	{"application/json; charset=utf-8; charset=utf-7", "", "", 0, true},
	{"application/json;", "application/json", "", jsonlimits.KindJSON, false},
	{"json", "", "", 0, true},
	{"application/json; charset", "", "", 0, true},
	{" ", "", "", 0, true},
}

func TestParseMediaType(t *testing.T) {
	for _, tt := range mediaTypeCases {
		t.Run(tt.header, func(t *testing.T) {
			m, err := jsonlimits.ParseMediaTypeValue(tt.header)
			if tt.err {
				if !errors.Is(err, jsonlimits.ErrContentType) {
					t.Fatalf("err = %v, want ErrContentType", err)
				}
				return
			}
			if err != nil || m.Type != tt.typ || m.Charset != tt.charset || m.Kind != tt.kind {
				t.Fatalf("got %+v, %v", m, err)
			}
		})
	}
	h := http.Header{"Content-Type": {"application/json", "text/plain"}}
	if _, err := jsonlimits.ParseMediaType(h); !errors.Is(err, jsonlimits.ErrContentType) {
		t.Fatalf("two Content-Type headers: %v", err)
	}
	if m, err := jsonlimits.ParseMediaType(http.Header{}); err != nil || m.Kind != jsonlimits.KindNone {
		t.Fatalf("no Content-Type: %+v %v", m, err)
	}
}

func TestCharset(t *testing.T) {
	for _, tt := range []struct {
		header, body string
		ok           bool
	}{
		{"application/json", `{}`, true},
		{"application/json; charset=UTF-8", `{}`, true},
		{"application/json; charset=us-ascii", `{}`, true},
		{"application/json; charset=us-ascii", "{\"a\":\"\xc3\xa9\"}", false},
		{"application/json; charset=utf-7", `{}`, false},
		{"application/json; charset=utf-16le", `{}`, false},
		{"application/x-www-form-urlencoded; charset=iso-8859-1", `a=1`, false},
		{"text/plain; charset=windows-1252", `a`, false},
	} {
		m, err := jsonlimits.ParseMediaTypeValue(tt.header)
		if err != nil {
			t.Fatal(err)
		}
		err = m.CheckCharset([]byte(tt.body))
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, jsonlimits.ErrCharset)) {
			t.Errorf("%s %q: err = %v", tt.header, tt.body, err)
		}
	}
}

var fieldNameCases = []struct {
	name string
	base string
	segs []string
	ok   bool
}{
	{"role", "role", nil, true},
	{"user[role]", "user", []string{"role"}, true},
	{"tags[]", "tags", []string{""}, true},
	{"a[0][b]", "a", []string{"0", "b"}, true},
	{"a[b", "", nil, false},
	{"a]b", "", nil, false},
	{"[a]", "", nil, false},
	{"a[b]c", "", nil, false},
	{"a[[b]]", "", nil, false},
	{"a[b]]", "", nil, false},
}

func TestParseFieldName(t *testing.T) {
	for _, tt := range fieldNameCases {
		base, segs, ok := jsonlimits.ParseFieldName(tt.name)
		if ok != tt.ok || base != tt.base || !slices.Equal(segs, tt.segs) {
			t.Errorf("%q: %q %q %v", tt.name, base, segs, ok)
		}
	}
}

func TestFormFields(t *testing.T) {
	form := jsonlimits.MediaType{Type: "application/x-www-form-urlencoded", Kind: jsonlimits.KindForm}
	for _, tt := range []struct {
		body string
		want string
		err  error
	}{
		{"a=1&b=2&a=3", "a:2 b:1", nil},
		{"user%5Brole%5D=admin&&x", "user[role]:1 x:1", nil},
		{"a+b=1", "a b:1", nil},
		{"a=1;role=admin", "", jsonlimits.ErrContentType},
		{"a%zz=1", "", jsonlimits.ErrContentType},
		{"a=%zz", "", jsonlimits.ErrContentType},
		{"a=1&b=1&c=1&d=1", "", jsonlimits.ErrProperties},
	} {
		fields, err := jsonlimits.FormFields(form, []byte(tt.body), 3)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("%q: err = %v, want %v", tt.body, err, tt.err)
			}
			continue
		}
		var got []string
		for _, f := range fields {
			got = append(got, f.Name+":"+string(rune('0'+f.Count)))
		}
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("%q: %v %v, want %s", tt.body, got, err, tt.want)
		}
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("name", "x")
	_ = mw.WriteField("_method", "DELETE")
	_ = mw.Close()
	mp := jsonlimits.MediaType{Type: "multipart/form-data", Kind: jsonlimits.KindMultipart, Boundary: mw.Boundary()}
	fields, err := jsonlimits.FormFields(mp, b.Bytes(), 10)
	if err != nil || len(fields) != 2 || fields[1].Name != "_method" {
		t.Fatalf("multipart: %v %v", fields, err)
	}
	if _, err := jsonlimits.FormFields(mp, []byte("garbage"), 10); !errors.Is(err, jsonlimits.ErrContentType) {
		t.Fatalf("broken multipart: %v", err)
	}
	mp.Boundary = ""
	if _, err := jsonlimits.FormFields(mp, b.Bytes(), 10); !errors.Is(err, jsonlimits.ErrContentType) {
		t.Fatalf("multipart without boundary: %v", err)
	}
}

func TestMethodOverrideField(t *testing.T) {
	for name, want := range map[string]bool{"_method": true, "_METHOD": true, "_method[]": true, " _method": true, "method": false, "_methods": false, "x_method": false} {
		if got := jsonlimits.IsMethodOverrideField(name); got != want {
			t.Errorf("%q: %v", name, got)
		}
	}
}

func gz(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

func TestReadRequest(t *testing.T) {
	refuse, _ := jsonlimits.New(jsonlimits.Config{})
	decode, _ := jsonlimits.New(jsonlimits.Config{RequestEncoding: jsonlimits.EncodingDecode})
	bomb := gz(t, strings.Repeat("0", 1<<20))
	for _, tt := range []struct {
		name     string
		l        *jsonlimits.Limits
		ctype    string
		encoding string
		body     string
		want     string
		err      error
	}{
		{"plain", refuse, "Application/JSON", "", `{"a":1}`, `{"a":1}`, nil},
		{"identity", refuse, "application/json", "identity", `{"a":1}`, `{"a":1}`, nil},
		{"gzip refused", refuse, "application/json", "gzip", gz(t, `{"a":1}`), "", jsonlimits.ErrEncoding},
		{"gzip header without a body", refuse, "application/json", "gzip", "", "", nil},
		{"nil limits refuse", nil, "application/json", "gzip", gz(t, `{"a":1}`), "", jsonlimits.ErrEncoding},
		{"gzip decoded", decode, "application/json", "GZIP", gz(t, `{"a":1}`), `{"a":1}`, nil},
		{"bomb", decode, "application/json", "gzip", bomb, "", jsonlimits.ErrBodyTooLarge},
		{"unknown coding", decode, "application/json", "compress", "x", "", jsonlimits.ErrEncoding},
		{"stacked", decode, "application/json", "gzip, gzip", gz(t, gz(t, `{}`)), "", jsonlimits.ErrEncoding},
		{"garbage", decode, "application/json", "deflate", "not zlib", "", jsonlimits.ErrDecode},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ctype)
			if tt.encoding != "" {
				r.Header.Set("Content-Encoding", tt.encoding)
			}
			_, body, err := tt.l.ReadRequest(r, 1024)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || string(body) != tt.want {
				t.Fatalf("%q %v", body, err)
			}
			if r.Header.Get("Content-Encoding") != "" || r.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("forwarded headers %v", r.Header)
			}
			var again bytes.Buffer
			_, _ = again.ReadFrom(r.Body)
			if again.String() != tt.want || r.ContentLength != int64(len(tt.want)) {
				t.Fatalf("forwarded body %q (%d)", again.String(), r.ContentLength)
			}
		})
	}
}

func FuzzParseMediaType(f *testing.F) {
	for _, tt := range mediaTypeCases {
		f.Add(tt.header)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := jsonlimits.ParseMediaTypeValue(s)
		if err != nil {
			return
		}
		if m.Type != strings.ToLower(m.Type) || m.Charset != strings.ToLower(m.Charset) {
			t.Fatalf("not lower-cased: %+v", m)
		}
		// What is forwarded parses to the same decision.
		again, err := jsonlimits.ParseMediaTypeValue(m.Canonical)
		if err != nil || again.Type != m.Type || again.Charset != m.Charset || again.Kind != m.Kind || again.Boundary != m.Boundary {
			t.Fatalf("canonical %q of %q parses to %+v, %v; first %+v", m.Canonical, s, again, err, m)
		}
	})
}

func FuzzFormFields(f *testing.F) {
	for _, s := range []string{"a=1&b=2&a=3", "user%5Brole%5D=admin", "a=1;b=2", "tags[]=a&tags[]=b", "%zz", "=x&&"} {
		f.Add(s)
	}
	for _, tt := range fieldNameCases {
		f.Add(tt.name + "=1")
	}
	form := jsonlimits.MediaType{Type: "application/x-www-form-urlencoded", Kind: jsonlimits.KindForm}
	f.Fuzz(func(t *testing.T, body string) {
		fields, err := jsonlimits.FormFields(form, []byte(body), 0)
		if err != nil {
			return
		}
		// Every name Go's own form parser sees is listed, with its count.
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", form.Type)
		if perr := r.ParseForm(); perr != nil {
			t.Fatalf("FormFields accepted %q, ParseForm refused it: %v", body, perr)
		}
		if len(fields) != len(r.PostForm) {
			t.Fatalf("%q: %d fields, ParseForm has %d", body, len(fields), len(r.PostForm))
		}
		for _, fd := range fields {
			if len(r.PostForm[fd.Name]) != fd.Count {
				t.Fatalf("%q: %q counted %d, ParseForm %d", body, fd.Name, fd.Count, len(r.PostForm[fd.Name]))
			}
			base, segs, ok := jsonlimits.ParseFieldName(fd.Name)
			if ok && len(segs) == 0 && base != fd.Name {
				t.Fatalf("%q: base %q", fd.Name, base)
			}
		}
	})
}

// FuzzSimpleMediaType checks the allocation-free path against
// mime.ParseMediaType.
func FuzzSimpleMediaType(f *testing.F) {
	for _, tt := range mediaTypeCases {
		f.Add(tt.header)
	}
	f.Add("a/b/c")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := jsonlimits.ParseMediaTypeValue(s)
		typ, params, merr := mime.ParseMediaType(s)
		if err != nil {
			return
		}
		if merr != nil || typ != m.Type || len(params) == 0 && m.Canonical != typ {
			t.Fatalf("%q: %+v, mime says %q %v %v", s, m, typ, params, merr)
		}
	})
}

func FuzzParseFieldName(f *testing.F) {
	for _, tt := range fieldNameCases {
		f.Add(tt.name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		base, segs, ok := jsonlimits.ParseFieldName(name)
		if !ok {
			return
		}
		// An accepted name is exactly its parts: nothing is dropped that
		// another parser could read.
		rebuilt := base
		for _, s := range segs {
			rebuilt += "[" + s + "]"
		}
		if rebuilt != name || base == "" || strings.ContainsAny(base, "[]") {
			t.Fatalf("%q parsed as %q %q", name, base, segs)
		}
		for _, s := range segs {
			if strings.ContainsAny(s, "[]") {
				t.Fatalf("%q: segment %q", name, s)
			}
		}
	})
}
