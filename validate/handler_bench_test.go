package validate_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/rampart-api/rampart/internal/notedoc"
	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/validate"
)

// benchDoc describes PUT /orders/{id} with a 1 KB order body: formats,
// pattern, enum, nested array, additionalProperties false.
func benchValidate(b *testing.B, file string) {
	body, err := os.ReadFile("testdata/order-1k.json")
	if err != nil {
		b.Fatal(err)
	}
	lim, _ := jsonlimits.New(jsonlimits.Config{})
	v := newValidator(b, file, validate.Config{RejectUnknownProperties: true, Limits: lim, Responses: validate.Off})
	h := v.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r := httptest.NewRequest("PUT", "/orders/42", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

func BenchmarkRequest1KB30(b *testing.B) { benchValidate(b, "testdata/bench-3.0.yaml") }
func BenchmarkRequest1KB31(b *testing.B) { benchValidate(b, "testdata/bench-3.1.yaml") }

func BenchmarkResponseFilter(b *testing.B) {
	v := newValidator(b, "testdata/demo-openapi.yaml", validate.Config{})
	body := []byte(`{"id":1,"username":"ada","email":"ada@example.com","role":"user","password_hash":"$2a$10$secrethash"}`)
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	h := v.Handler(app)
	r := httptest.NewRequest("GET", "/api/users/1", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// noteHandler is the validator of the process benchmark's note document
// in front of an upstream that answers the note.
func noteHandler(tb testing.TB, version string) http.Handler {
	tb.Helper()
	v, err := validate.New(validate.Config{Document: notedoc.Document(version)})
	if err != nil {
		tb.Fatal(err)
	}
	// The header values are shared and never changed in place, so the
	// upstream itself allocates nothing, as a proxy copying an upstream's
	// header costs the validator nothing.
	contentType, contentLength := []string{"application/json"}, []string{strconv.Itoa(len(notedoc.Body))}
	return v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = contentType
		w.Header()["Content-Length"] = contentLength
		_, _ = w.Write(notedoc.Body)
	}))
}

func benchNote(b *testing.B, version string) {
	h := noteHandler(b, version)
	r := httptest.NewRequest("GET", "/api/notes/42", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkNote30(b *testing.B) { benchNote(b, "3.0.3") }
func BenchmarkNote31(b *testing.B) { benchNote(b, "3.1.0") }
