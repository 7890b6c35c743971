package audit_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
)

func TestAccessLogNeverRecordsCredentials(t *testing.T) {
	var buf bytes.Buffer
	a := audit.NewAccessLog(slog.NewJSONHandler(&buf, nil))
	r := httptest.NewRequest("GET", "/api/notes/1?access_token=eyJsecret&api_key=k-123", nil)
	r.Header.Set("Authorization", "Bearer eyJhbGciOi.secret")
	r.Header.Set("Cookie", "session=abc123")
	r.Header.Set("X-API-Key", "k-123")
	r, info := rampart.WithInfo(r)
	info.RequestID, info.Route, info.ClientIP = "rid", "/api/notes/{id}", netip.MustParseAddr("198.51.100.4")
	a.Log(r, 200, 42, 1500*time.Microsecond)

	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"method": "GET", "path": "/api/notes/1", "status": float64(200), "bytes": float64(42), "duration_ms": 1.5, "request_id": "rid", "route": "/api/notes/{id}", "client_ip": "198.51.100.4"} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, secret := range []string{"eyJ", "abc123", "k-123", "access_token"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("access log contains %q: %s", secret, buf.String())
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestBufferedWriterFlushesOnClose(t *testing.T) {
	out := &lockedBuffer{}
	w := audit.NewBufferedWriter(out, time.Hour)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = w.Write([]byte(strings.Repeat("x", i) + "\n"))
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 50 {
		t.Fatalf("%d lines after Close", n)
	}
	_ = w.Close() // second Close is harmless
}

func BenchmarkAccessLog(b *testing.B) {
	w := audit.NewBufferedWriter(&bytes.Buffer{}, time.Hour)
	defer w.Close()
	a := audit.NewAccessLog(slog.NewJSONHandler(w, nil))
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/1", nil))
	info.RequestID, info.Route, info.ClientIP = "0123456789abcdef-1", "/api/notes/{id}", netip.MustParseAddr("198.51.100.4")
	b.ReportAllocs()
	for b.Loop() {
		a.Log(r, 200, 42, time.Millisecond)
	}
}

func BenchmarkJSONAccessLog(b *testing.B) {
	w := audit.NewBufferedWriter(&bytes.Buffer{}, time.Hour)
	defer w.Close()
	a := audit.NewJSONAccessLog(w)
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/1", nil))
	info.RequestID, info.Route, info.ClientIP = "0123456789abcdef-1", "/api/notes/{id}", netip.MustParseAddr("198.51.100.4")
	b.ReportAllocs()
	for b.Loop() {
		a.Log(r, 200, 42, time.Millisecond)
	}
}
