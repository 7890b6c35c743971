package gateway

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
)

const itemsDocument = `openapi: 3.0.3
info: {title: items, version: "1"}
paths:
  /items:
    get:
      responses:
        "200":
          description: items
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items:
                      type: object
                      properties:
                        id: {type: integer}
                        name: {type: string}
`

// itemsBody is a JSON response of about size bytes whose items each carry
// an undeclared secret, and the same response filtered as the gateway
// writes it.
func itemsBody(size int) (raw, filtered []byte) {
	var r, f bytes.Buffer
	r.WriteString(`{"items":[`)
	f.WriteString(`{"items":[`)
	for i := 0; r.Len() < size; i++ {
		if i > 0 {
			r.WriteByte(',')
			f.WriteByte(',')
		}
		name := strings.Repeat("n", 2000)
		fmt.Fprintf(&r, `{"id":%d,"name":%q,"secret":"s3cr3t-%d"}`, i, name, i)
		fmt.Fprintf(&f, `{"id":%d,"name":%q}`, i, name)
	}
	r.WriteString(`]}`)
	f.WriteString(`]}`)
	return r.Bytes(), f.Bytes()
}

// stallingUpstream answers every request with body, in the gateway's own
// process. A request whose query has stall holds back the body's last
// byte until release is closed, after signalling on stalled: by then the
// gateway has taken in every byte before it.
type stallingUpstream struct {
	body    []byte
	stalled chan struct{}
	release chan struct{}
}

func (u *stallingUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	rd := &stallReader{data: u.body}
	if r.URL.Query().Has("stall") {
		rd.stalled, rd.release = u.stalled, u.release
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          rd,
		ContentLength: int64(len(u.body)),
		Request:       r,
	}, nil
}

type stallReader struct {
	data    []byte
	pos     int
	stalled chan struct{}
	release chan struct{}
}

func (s *stallReader) Read(p []byte) (int, error) {
	if s.pos == len(s.data) {
		return 0, io.EOF
	}
	end := len(s.data)
	if s.stalled != nil {
		if s.pos == end-1 {
			s.stalled <- struct{}{}
			<-s.release
			s.stalled = nil
		} else {
			end--
		}
	}
	n := copy(p, s.data[s.pos:end])
	s.pos += n
	return n, nil
}

func (s *stallReader) Close() error { return nil }

// budgetConfig loads a configuration with the items document and the
// given max_buffered_bytes, the way rampart serve does.
func budgetConfig(t *testing.T, maxBuffered int) *config.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(itemsDocument), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "rampart.yaml")
	yaml := fmt.Sprintf(`
server: {max_body_bytes: 65536, max_buffered_bytes: %d}
upstreams:
  app:
    url: http://items.internal
    openapi: ./openapi.yaml
    validation: {requests: off, responses: filter, inventory: enforce, max_response_bytes: 4194304}
routes:
  - {path: /items, methods: [GET], upstream: app, auth: none}
`, maxBuffered)
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(file)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

// Forty 3 MiB responses filtered at once with a budget of 40 MiB: the
// bytes held never pass the budget, the responses that fit are filtered
// whole, the others are 503 with Retry-After and a security event, and
// every byte is given back.
func TestFilteredResponsesStayWithinTheBudget(t *testing.T) {
	const (
		conns  = 40
		size   = 3 << 20
		budget = 40 << 20
	)
	raw, filtered := itemsBody(size)
	up := &stallingUpstream{body: raw, stalled: make(chan struct{}), release: make(chan struct{})}
	var events syncBuffer
	gw, err := New(budgetConfig(t, budget), Options{Transport: up, Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })

	results := make(chan *httptest.ResponseRecorder, conns)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, httptest.NewRequest("GET", "/items?stall=1", nil))
			results <- w
		})
	}
	for range conns {
		<-up.stalled
	}
	// Every response has taken in all but its last byte: the most the
	// gateway holds for them at once.
	held := gw.buffered.held.Load()
	if held > budget || held == 0 {
		t.Fatalf("held %d bytes with a budget of %d", held, budget)
	}
	close(up.release)
	wg.Wait()
	close(results)

	passed, refused := 0, 0
	for w := range results {
		switch w.Code {
		case http.StatusOK:
			passed++
			if !bytes.Equal(w.Body.Bytes(), filtered) {
				t.Fatalf("filtered response altered: %d bytes, want %d", w.Body.Len(), len(filtered))
			}
		case http.StatusServiceUnavailable:
			refused++
			if w.Header().Get("Retry-After") == "" || w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("refusal headers: %v", w.Header())
			}
			if bytes.Contains(w.Body.Bytes(), []byte("s3cr3t")) {
				t.Fatal("refusal carries the upstream body")
			}
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	// Each response that passed held its whole body while all forty
	// were in flight.
	if passed == 0 || refused == 0 || passed*size > budget {
		t.Fatalf("%d passed, %d refused with a budget for %d", passed, refused, budget/size)
	}
	if n := strings.Count(events.String(), `"reason":"response buffer budget exhausted"`); n != refused {
		t.Fatalf("%d budget events for %d refusals: %s", n, refused, events.String())
	}
	if !strings.Contains(events.String(), `"owasp":"API4:2023"`) {
		t.Fatalf("events: %s", events.String())
	}
	if held := gw.buffered.held.Load(); held != 0 {
		t.Fatalf("%d bytes still charged", held)
	}
}

// A reload does not start a fresh budget: a response still held by the
// retiring configuration counts against the new one.
func TestBufferBudgetOutlivesAReload(t *testing.T) {
	const (
		size   = 3 << 20
		budget = 6 << 20 // one 3 MiB response, not two
	)
	raw, filtered := itemsBody(size)
	up := &stallingUpstream{body: raw, stalled: make(chan struct{}), release: make(chan struct{})}
	srv, err := NewServer(budgetConfig(t, budget), Options{Transport: up})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.closeAll() })
	old := srv.Gateway()
	get := func(target string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.serveHTTP(w, httptest.NewRequest("GET", target, nil))
		return w
	}

	held := make(chan *httptest.ResponseRecorder, 1)
	go func() { held <- get("/items?stall=1") }()
	<-up.stalled
	if err := srv.Reload(budgetConfig(t, budget)); err != nil {
		t.Fatal(err)
	}
	if srv.Gateway() == old {
		t.Fatal("reload kept the configuration")
	}
	if w := get("/items"); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("new configuration ignored what the retiring one holds: %d", w.Code)
	}
	close(up.release)
	if w := <-held; w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), filtered) {
		t.Fatalf("held response: %d, %d bytes", w.Code, w.Body.Len())
	}
	if w := get("/items"); w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), filtered) {
		t.Fatalf("after the retiring response ended: %d", w.Code)
	}
	if n := srv.Gateway().buffered.held.Load(); n != 0 {
		t.Fatalf("%d bytes still charged", n)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
