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
