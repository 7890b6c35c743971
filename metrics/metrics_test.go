package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/metrics"
)

func TestLabelClasses(t *testing.T) {
	for in, want := range map[string]string{"GET": "GET", "DELETE": "DELETE", "get": "OTHER", "BREW": "OTHER", "": "OTHER", "GET /x": "OTHER"} {
		if got := metrics.MethodClass(in); got != want {
			t.Errorf("MethodClass(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{100: "1xx", 200: "2xx", 299: "2xx", 304: "3xx", 404: "4xx", 499: "4xx", 503: "5xx", 599: "5xx", 0: "other", 99: "other", 600: "other", -1: "other"} {
		if got := metrics.StatusClass(in); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkObserveRequest is what metrics add to each request.
func BenchmarkObserveRequest(b *testing.B) {
	m := metrics.New(metrics.Options{})
	r, info := rampart.WithInfo(httptest.NewRequest(http.MethodGet, "/api/notes/1", nil))
	info.Route = "/api/notes/{id}"
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest(r, audit.Outcome{Status: 200, Bytes: 10, Duration: time.Millisecond})
	}
}
