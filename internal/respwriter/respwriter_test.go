package respwriter_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampart-api/rampart/internal/respwriter"
)

// interimRecorder accepts 1xx statuses as a real server does.
type interimRecorder struct {
	*httptest.ResponseRecorder
	interim []int
}

func (r *interimRecorder) WriteHeader(code int) {
	if code < 200 {
		r.interim = append(r.interim, code)
		return
	}
	r.ResponseRecorder.WriteHeader(code)
}

func TestWriter(t *testing.T) {
	rec := &interimRecorder{ResponseRecorder: httptest.NewRecorder()}
	rw := respwriter.Get(rec)
	defer respwriter.Put(rw)
	rw.WriteHeader(http.StatusEarlyHints) // interim: not final
	if rw.Written() {
		t.Fatal("1xx counted as final")
	}
	_, _ = rw.Write([]byte("hello"))
	rw.WriteHeader(500) // ignored: status already sent
	rw.Flush()
	if rw.Status() != 200 || rw.Bytes() != 5 || len(rec.interim) != 1 {
		t.Fatalf("status %d bytes %d interim %v", rw.Status(), rw.Bytes(), rec.interim)
	}
	if http.NewResponseController(rw).Flush() != nil {
		t.Fatal("ResponseController cannot flush through Unwrap")
	}
}

func BenchmarkGetPut(b *testing.B) {
	rec := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		rw := respwriter.Get(rec)
		respwriter.Put(rw)
	}
}

// unwrapOnly hides its writer's Flush behind Unwrap, as middleware
// wrappers that know only http.ResponseController do.
type unwrapOnly struct{ w http.ResponseWriter }

func (u unwrapOnly) Header() http.Header         { return u.w.Header() }
func (u unwrapOnly) Write(b []byte) (int, error) { return u.w.Write(b) }
func (u unwrapOnly) WriteHeader(code int)        { u.w.WriteHeader(code) }
func (u unwrapOnly) Unwrap() http.ResponseWriter { return u.w }

func TestFlushReachesThroughUnwrap(t *testing.T) {
	rec := httptest.NewRecorder()
	rw := respwriter.Get(unwrapOnly{rec})
	defer respwriter.Put(rw)
	rw.Flush()
	if !rec.Flushed || rw.Status() != http.StatusOK {
		t.Fatalf("flushed %v, status %d", rec.Flushed, rw.Status())
	}
}
