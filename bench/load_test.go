package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func loadOnce(t *testing.T, url string, args ...string) (requests int64, p50, p99 time.Duration) {
	t.Helper()
	var out strings.Builder
	if err := runLoad(append([]string{"-url", url}, args...), &out); err != nil {
		t.Fatal(err)
	}
	var non2xx, a, b, c int64
	var secs float64
	if _, err := fmt.Sscanf(out.String(), "requests %d non2xx %d seconds %g p50 %d p99 %d p999 %d", &requests, &non2xx, &secs, &a, &b, &c); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if non2xx != 0 {
		t.Fatalf("%d answers were not 2xx", non2xx)
	}
	return requests, time.Duration(a), time.Duration(b)
}

func TestOpenLoopSendsTheOfferedRate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	n, _, _ := loadOnce(t, srv.URL, "-rate", "200", "-d", "1s", "-c", "4")
	if n < 190 || n > 201 {
		t.Fatalf("sent %d requests at 200/s for 1s", n)
	}
}

// A server slower than the offered rate builds a queue; the open loop
// counts each request from when it was due, so the queue shows in the
// latency. A closed loop waits for the server and reports its service time.
func TestOpenLoopChargesTheQueue(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()
	_, closed50, _ := loadOnce(t, srv.URL, "-d", "1s", "-c", "1")
	_, open50, open99 := loadOnce(t, srv.URL, "-rate", "100", "-d", "1s", "-c", "1")
	if closed50 > 100*time.Millisecond {
		t.Fatalf("closed loop p50 %v: the service time is 20ms", closed50)
	}
	// 100 requests due over 1s, served one at a time in 20ms each: the
	// last waits about a second, the median about half of that.
	if open50 < 200*time.Millisecond || open99 < 500*time.Millisecond {
		t.Fatalf("open loop p50 %v p99 %v: the queue is not counted", open50, open99)
	}
}
