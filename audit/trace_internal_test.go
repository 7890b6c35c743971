package audit

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
)

// TestAccessLogTraceID: both encoders write the trace id, alike, and a
// log observed by a hub keeps the fast encoder.
func TestAccessLogTraceID(t *testing.T) {
	saved := now
	now = func() time.Time { return time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC) }
	defer func() { now = saved }()
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/1", nil))
	info.RequestID, info.Route = "rid", "/api/notes/{id}"
	info.TraceID = [16]byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	var a, b bytes.Buffer
	NewAccessLog(slog.NewJSONHandler(&a, nil)).Log(r, 200, 1, time.Millisecond)
	fast := NewJSONAccessLog(&b).Observed(NewHub())
	if fast.w == nil {
		t.Fatal("observing dropped the fast encoder")
	}
	fast.Log(r, 200, 1, time.Millisecond)
	if a.String() != b.String() {
		t.Fatalf("fast line differs from slog's:\n got %s\nwant %s", b.String(), a.String())
	}
	if !strings.Contains(a.String(), `"request_id":"rid","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","route"`) {
		t.Fatalf("line lacks the trace id: %s", a.String())
	}
}
