package waf_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/waf"
)

// FuzzHandler feeds arbitrary query strings and bodies through the WAF:
// whatever it decides, it must not panic, must answer with a refusal it
// knows or pass the body on byte for byte, and must never echo the input.
func FuzzHandler(f *testing.F) {
	for _, c := range append(attackCases(), benign...) {
		f.Add(c.target, c.contentType, c.body)
	}
	f.Add("/api/x?%zz=%", ctJSON, `{"a":`)
	f.Add("/%", ctJSON, `{}`)
	f.Add("/api/x", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n")
	w := build(f, "default", waf.Config{})
	f.Fuzz(func(t *testing.T, target, contentType, body string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \t\r\n#") || len(body) > 4096 {
			t.Skip()
		}
		if !serverAccepts(target) {
			// net/http answers 400 before any handler runs.
			t.Skip()
		}
		r := reqCase{method: http.MethodPost, target: target, contentType: contentType, body: body}.request(t)
		rec := httptest.NewRecorder()
		up := new(upstream)
		w.Handler(up).ServeHTTP(rec, r)
		switch rec.Code {
		case http.StatusNoContent:
			if string(up.body) != body {
				t.Fatalf("body altered: %q -> %q", body, up.body)
			}
		case http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
			if up.called {
				t.Fatal("refused request reached upstream")
			}
			if rec.Header().Get("Content-Type") != problem.ContentType {
				t.Fatalf("refusal is not a problem: %q", rec.Header().Get("Content-Type"))
			}
			if len(body) > 12 && strings.Contains(rec.Body.String(), body) {
				t.Fatalf("problem echoes the body: %s", rec.Body)
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}

// serverAccepts reports whether net/http's server would parse a request
// line with target, so that the harness builds only requests a handler
// can receive (httptest.NewRequest panics on the others, such as "/%").
func serverAccepts(target string) bool {
	_, err := http.ReadRequest(bufio.NewReader(strings.NewReader("POST " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n")))
	return err == nil
}
