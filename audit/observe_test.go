package audit_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
)

type recorder struct {
	events   []string
	statuses []int
}

func (r *recorder) ObserveEvent(_ *http.Request, e audit.Event) { r.events = append(r.events, e.Name) }
func (r *recorder) ObserveRequest(_ *http.Request, o audit.Outcome) {
	r.statuses = append(r.statuses, o.Status)
}

func TestHubFansOutWithLogsOff(t *testing.T) {
	hub := audit.NewHub()
	var events *audit.Logger // event log off
	var access *audit.AccessLog
	events, access = events.Observed(hub), access.Observed(hub)
	a, b := &recorder{}, &recorder{}
	unsubA := hub.Subscribe(a)
	hub.Subscribe(b)
	r := httptest.NewRequest("GET", "/x", nil)
	events.Emit(r, audit.Event{Name: audit.AuthFailed})
	access.Log(r, 401, 10, time.Millisecond)
	unsubA()
	unsubA() // a second call is harmless
	events.Emit(nil, audit.Event{Name: audit.ConfigReloaded})
	if strings.Join(a.events, ",") != "auth.failed" || len(a.statuses) != 1 || a.statuses[0] != 401 {
		t.Errorf("first observer got %v %v", a.events, a.statuses)
	}
	if strings.Join(b.events, ",") != "auth.failed,config.reloaded" || len(b.statuses) != 1 {
		t.Errorf("second observer got %v %v", b.events, b.statuses)
	}
}

func TestObservedLoggerStillLogs(t *testing.T) {
	var buf bytes.Buffer
	hub := audit.NewHub()
	rec := &recorder{}
	hub.Subscribe(rec)
	l := audit.NewLogger(slog.NewJSONHandler(&buf, nil)).Observed(hub)
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/x", nil))
	info.TraceID = [16]byte{0x4b, 0xf9, 15: 0x36}
	l.Emit(r, audit.Event{Name: audit.WAFBlocked})
	if len(rec.events) != 1 || !strings.Contains(buf.String(), `"event":"waf.blocked"`) {
		t.Fatalf("observer %v, log %s", rec.events, buf.String())
	}
	if !strings.Contains(buf.String(), `"trace_id":"4bf90000000000000000000000000036"`) {
		t.Errorf("event lacks the trace id: %s", buf.String())
	}
	if (*audit.Logger)(nil).Observed(nil) != nil {
		t.Error("nil logger observed by no hub should stay nil")
	}
}

// TestHubWithoutObserversDoesNotAllocate: the cost of the fan-out when
// nobody listens.
func TestHubWithoutObserversDoesNotAllocate(t *testing.T) {
	hub := audit.NewHub()
	access := (*audit.AccessLog)(nil).Observed(hub)
	r := httptest.NewRequest("GET", "/x", nil)
	if n := testing.AllocsPerRun(100, func() { access.Log(r, 200, 1, time.Millisecond) }); n != 0 {
		t.Fatalf("%v allocations per outcome with no observer", n)
	}
}

func ExampleHub() {
	hub := audit.NewHub()
	events := audit.NewLogger(nil).Observed(hub) // no event log, only observers
	rec := &recorder{}
	stop := hub.Subscribe(rec)
	defer stop()
	events.Emit(nil, audit.Event{Name: audit.ConfigReloaded})
	fmt.Println(rec.events)
	// Output: [config.reloaded]
}
