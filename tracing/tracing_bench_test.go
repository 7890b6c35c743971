package tracing_test

import (
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/tracing"
)

// BenchmarkStart measures what tracing adds to a request: propagation
// only (no export) with and without an incoming traceparent, and an SDK
// span exported to memory.
func BenchmarkStart(b *testing.B) {
	exporting, err := tracing.New(tracing.Config{SampleRatio: 1, Exporter: tracetest.NewNoopExporter()})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name     string
		tracer   *tracing.Tracer
		incoming bool
	}{
		{"propagate/new-trace", nil, false},
		{"propagate/continued", nil, true},
		{"export/new-trace", exporting, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/items/1", nil))
			b.ReportAllocs()
			for b.Loop() {
				if bc.incoming {
					r.Header["Traceparent"] = []string{validParent}
				} else {
					delete(r.Header, "Traceparent")
				}
				r2, span := bc.tracer.Start(r, info)
				span.End(r2, info, 200)
			}
		})
	}
}
