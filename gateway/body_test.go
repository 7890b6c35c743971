package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// stalledBody sends its first part, then signals and waits until released
// before sending the rest: a slow client holding a body open.
type stalledBody struct {
	first   io.Reader
	rest    io.Reader
	stalled chan struct{}
	release chan struct{}
}

func newStalledBody(first, rest int) *stalledBody {
	return &stalledBody{
		first: strings.NewReader(strings.Repeat("a", first)), rest: strings.NewReader(strings.Repeat("b", rest)),
		stalled: make(chan struct{}), release: make(chan struct{}),
	}
}

func (s *stalledBody) Read(p []byte) (int, error) {
	if s.first != nil {
		n, err := s.first.Read(p)
		if err == io.EOF {
			s.first = nil
			close(s.stalled)
			<-s.release
			return s.rest.Read(p)
		}
		return n, err
	}
	return s.rest.Read(p)
}

// startUpload sends a body that stalls after first bytes, from addr, and
// returns once the gateway has read them.
func startUpload(f *limitFixture, addr string, first, rest int) (*stalledBody, chan int) {
	body := newStalledBody(first, rest)
	r := httptest.NewRequest("POST", "/upload", body)
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/octet-stream")
	r.RemoteAddr = addr
	done := make(chan int, 1)
	go func() {
		w := httptest.NewRecorder()
		f.gw.ServeHTTP(w, r)
		done <- w.Code
	}()
	<-body.stalled
	return body, done
}

func upload(f *limitFixture, addr string, size int) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/upload", strings.NewReader(strings.Repeat("c", size)))
	r.Header.Set("Content-Type", "application/octet-stream")
	r.RemoteAddr = addr
	w := httptest.NewRecorder()
	f.gw.ServeHTTP(w, r)
	return w
}

// Bodies held open by slow clients cannot grow the gateway past
// max_buffered_bytes: the next body that needs memory gets 503.
func TestBufferedBodiesStayWithinTheBudget(t *testing.T) {
	up := &recorder{}
	f := newLimitFixture(t, `
server: {max_body_bytes: 4096, max_buffered_bytes: 8192, max_uploads_per_client: -1}
upstreams:
  app: {url: %[1]s}
routes:
  - {path: /upload, methods: [POST], upstream: app, auth: none}
`, up, "")
	// Two stalled bodies of 3000 bytes hold two 4 KiB buffers: the budget.
	a, doneA := startUpload(f, "198.51.100.1:1", 3000, 0)
	b, doneB := startUpload(f, "198.51.100.2:1", 3000, 0)
	w := upload(f, "198.51.100.3:1", 100)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || w.Header().Get("Connection") != "close" {
		t.Fatalf("over budget: %d %v", w.Code, w.Header())
	}
	if !strings.Contains(f.events.String(), `"reason":"request body budget exhausted"`) || !strings.Contains(f.events.String(), `"owasp":"API4:2023"`) {
		t.Fatalf("events: %s", f.events)
	}
	if up.count() != 0 {
		t.Fatal("upstream reached")
	}
	close(a.release)
	close(b.release)
	if ca, cb := <-doneA, <-doneB; ca != 200 || cb != 200 {
		t.Fatalf("stalled uploads ended %d %d", ca, cb)
	}
	if w := upload(f, "198.51.100.3:1", 3000); w.Code != 200 || w.Header().Get("Connection") != "" {
		t.Fatalf("budget not released: %d %v", w.Code, w.Header())
	}
	if up.count() != 3 {
		t.Fatalf("upstream saw %d bodies", up.count())
	}
}

// One client cannot hold more than max_uploads_per_client bodies open;
// others are unaffected.
func TestUploadsPerClientAreCapped(t *testing.T) {
	up := &recorder{}
	f := newLimitFixture(t, `
server: {max_body_bytes: 4096, max_uploads_per_client: 2}
upstreams:
  app: {url: %[1]s}
routes:
  - {path: /upload, methods: [POST], upstream: app, auth: none}
`, up, "")
	a, doneA := startUpload(f, "203.0.113.7:1", 10, 10)
	b, doneB := startUpload(f, "203.0.113.7:2", 10, 10)
	if w := upload(f, "203.0.113.7:3", 10); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("third upload from one client: %d", w.Code)
	}
	if !strings.Contains(f.events.String(), `"limit":"concurrency_client"`) {
		t.Fatalf("events: %s", f.events)
	}
	if w := upload(f, "198.51.100.9:1", 10); w.Code != 200 {
		t.Fatalf("another client: %d", w.Code)
	}
	close(a.release)
	close(b.release)
	<-doneA
	<-doneB
	if w := upload(f, "203.0.113.7:3", 10); w.Code != 200 {
		t.Fatalf("after the uploads ended: %d", w.Code)
	}
	if up.count() != 4 {
		t.Fatalf("upstream saw %d requests, want 4", up.count())
	}
	for _, b := range up.body {
		if len(b) != 10 && len(b) != 20 {
			t.Fatalf("body %q", b)
		}
	}
}
