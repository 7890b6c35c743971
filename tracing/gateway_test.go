package tracing_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/tracing"
)

// seen records the trace headers the upstream received.
type seen struct {
	mu          sync.Mutex
	traceparent []string
	tracestate  []string
}

func (s *seen) last() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.traceparent, ","), strings.Join(s.tracestate, ",")
}

func newGateway(t *testing.T, tr *tracing.Tracer, access *bytes.Buffer) (*gateway.Gateway, *seen) {
	t.Helper()
	s := &seen{}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.traceparent, s.tracestate = r.Header.Values("Traceparent"), r.Header.Values("Tracestate")
		s.mu.Unlock()
		fmt.Fprint(w, "{}")
	}))
	t.Cleanup(up.Close)
	cfg, diags := config.Parse(fmt.Appendf(nil, "upstreams: {app: {url: %q}}\nroutes: [{path: \"/api/items/{id}\", upstream: app, auth: none}]\n", up.URL), "rampart.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	opts := gateway.Options{Tracer: tr}
	if access != nil {
		opts.Access = audit.NewAccessLog(slog.NewJSONHandler(access, nil))
	}
	g, err := gateway.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	return g, s
}

const (
	validParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	validTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
)

// TestPropagationWithoutExport: the upstream always gets one valid
// traceparent: the client's trace with the gateway as parent, or a new
// trace when the client's is absent or malformed, whose tracestate is
// then dropped. The access log line carries the trace id.
func TestPropagationWithoutExport(t *testing.T) {
	tests := []struct {
		name        string
		traceparent []string
		tracestate  string
		keepTrace   bool
		wantState   string
		wantSampled bool
	}{
		{"absent", nil, "", false, "", true},
		{"valid, sampled", []string{validParent}, "vendor=abc", true, "vendor=abc", true},
		{"valid, not sampled", []string{strings.TrimSuffix(validParent, "01") + "00"}, "", true, "", false},
		{"malformed", []string{"00-XYZ-00f067aa0ba902b7-01"}, "vendor=forged", false, "", true},
		{"zero trace id", []string{"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}, "", false, "", true},
		{"version ff", []string{"ff" + validParent[2:]}, "", false, "", true},
		{"two traceparents", []string{validParent, "00-11111111111111111111111111111111-00f067aa0ba902b7-01"}, "vendor=abc", false, "", true},
	}
	for _, tr := range []*tracing.Tracer{nil, mustNew(t, tracing.Config{SampleRatio: 1})} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/tracer=%v", tt.name, tr != nil), func(t *testing.T) {
				var access bytes.Buffer
				g, s := newGateway(t, tr, &access)
				req := httptest.NewRequest("GET", "/api/items/1", nil)
				for _, v := range tt.traceparent {
					req.Header.Add("Traceparent", v)
				}
				if tt.tracestate != "" {
					req.Header.Set("Tracestate", tt.tracestate)
				}
				rec := httptest.NewRecorder()
				g.ServeHTTP(rec, req)
				if rec.Code != 200 {
					t.Fatalf("status %d", rec.Code)
				}
				tp, ts := s.last()
				sc, ok := tracing.ParseTraceparent(tp)
				if !ok {
					t.Fatalf("upstream got traceparent %q", tp)
				}
				id := hex.EncodeToString(sc.TraceID[:])
				if tt.keepTrace != (id == validTrace) {
					t.Errorf("trace id %s; client's kept = %v, want %v", id, id == validTrace, tt.keepTrace)
				}
				if hex.EncodeToString(sc.SpanID[:]) == "00f067aa0ba902b7" {
					t.Error("the client's parent id went upstream: the gateway is not in the trace")
				}
				if sc.Sampled != tt.wantSampled {
					t.Errorf("sampled = %v, want %v", sc.Sampled, tt.wantSampled)
				}
				if ts != tt.wantState {
					t.Errorf("tracestate %q, want %q", ts, tt.wantState)
				}
				var line map[string]any
				if err := json.Unmarshal(access.Bytes(), &line); err != nil {
					t.Fatalf("access log: %v: %s", err, access.String())
				}
				if line["trace_id"] != id {
					t.Errorf("access log trace_id = %v, want %s", line["trace_id"], id)
				}
			})
		}
	}
}

func mustNew(t *testing.T, cfg tracing.Config) *tracing.Tracer {
	t.Helper()
	tr, err := tracing.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr
}

// TestExportedSpans exports to the SDK's in-memory exporter: a request
// under a client's sampled trace gives one server span named after the
// route, child of the client's span, whose id is the parent the upstream
// sees; with ratio 0 a new trace is not exported but still propagated,
// marked not sampled.
func TestExportedSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := mustNew(t, tracing.Config{Exporter: exp, SampleRatio: 0})
	g, s := newGateway(t, tr, nil)

	req := httptest.NewRequest("GET", "/api/items/7", nil)
	req.Header.Set("Traceparent", validParent)
	g.ServeHTTP(httptest.NewRecorder(), req)
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans exported, want 1", len(spans))
	}
	sp := spans[0]
	if sp.Name != "GET /api/items/{id}" || sp.SpanKind != trace.SpanKindServer {
		t.Errorf("span %q kind %v", sp.Name, sp.SpanKind)
	}
	if sp.SpanContext.TraceID().String() != validTrace || sp.Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("span trace %s parent %s", sp.SpanContext.TraceID(), sp.Parent.SpanID())
	}
	tp, _ := s.last()
	if want := "00-" + validTrace + "-" + sp.SpanContext.SpanID().String() + "-01"; tp != want {
		t.Errorf("upstream traceparent %q, want %q", tp, want)
	}
	var status int64
	for _, a := range sp.Attributes {
		if a.Key == "http.response.status_code" {
			status = a.Value.AsInt64()
		}
	}
	if status != 200 {
		t.Errorf("status attribute %d", status)
	}

	exp.Reset()
	g.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/items/8", nil))
	if n := len(exp.GetSpans()); n != 0 {
		t.Fatalf("ratio 0 exported %d spans of a new trace", n)
	}
	tp, _ = s.last()
	sc, ok := tracing.ParseTraceparent(tp)
	if !ok || sc.Sampled {
		t.Fatalf("unsampled new trace went upstream as %q", tp)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	for _, cfg := range []tracing.Config{
		{SampleRatio: -1},
		{SampleRatio: 2},
		{SampleRatio: 1, OTLPEndpoint: "collector:4318"},
		{SampleRatio: 1, OTLPEndpoint: "ftp://collector"},
	} {
		if _, err := tracing.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	tr, err := tracing.New(tracing.Config{SampleRatio: 0.5, OTLPEndpoint: "http://127.0.0.1:4318"})
	if err != nil || !tr.Exporting() {
		t.Fatalf("New with an endpoint: %v", err)
	}
	// Shutting down with a collector that is not there must not hang
	// past the context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = tr.Shutdown(ctx)
}
