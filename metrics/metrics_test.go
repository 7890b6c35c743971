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

func TestLogLinesDroppedIsReadAtScrape(t *testing.T) {
	var dropped uint64
	m := metrics.New(metrics.Options{LogLinesDropped: func() uint64 { return dropped }})
	scrape := func() float64 {
		t.Helper()
		mfs, err := m.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "rampart_log_lines_dropped_total" {
				return mf.GetMetric()[0].GetCounter().GetValue()
			}
		}
		t.Fatal("rampart_log_lines_dropped_total not exposed")
		return 0
	}
	if got := scrape(); got != 0 {
		t.Fatalf("before any drop: %v", got)
	}
	dropped = 1200
	if got := scrape(); got != 1200 {
		t.Fatalf("after 1200 drops: %v", got)
	}
}
