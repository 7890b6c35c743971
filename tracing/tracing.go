package tracing

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/rampart-api/rampart"
)

// Config configures a [Tracer].
type Config struct {
	// OTLPEndpoint is the OTLP/HTTP collector's URL; without a path,
	// spans go to its /v1/traces. Empty: no export, propagation only.
	OTLPEndpoint string
	// SampleRatio is the share of new traces sampled, 0 to 1. A request
	// with a valid traceparent follows its sampled flag (parent-based).
	SampleRatio float64
	// ServiceName and ServiceVersion describe the gateway in exported
	// spans; default "rampart".
	ServiceName, ServiceVersion string
	// Exporter replaces the OTLP exporter (tests use the SDK's
	// in-memory one); spans are then sent to it synchronously.
	Exporter sdktrace.SpanExporter
}

// Tracer starts each request's trace. It is safe for concurrent use; a
// nil *Tracer propagates only, sampling every new trace.
type Tracer struct {
	ratio     float64
	threshold uint64    // trace ids whose low 63 bits are below it are sampled
	traces    sync.Pool // of *traceBlock with traces left; see newTrace
	tp        *sdktrace.TracerProvider
	tracer    trace.Tracer
	prop      propagation.TraceContext
}

// New returns a tracer that exports when cfg names an endpoint or an
// exporter. It does not contact the collector: spans are sent in batches
// in the background, and a collector that is down loses spans, never
// requests.
func New(cfg Config) (*Tracer, error) {
	if cfg.SampleRatio < 0 || cfg.SampleRatio > 1 || math.IsNaN(cfg.SampleRatio) {
		return nil, fmt.Errorf("tracing: sample ratio %v is outside 0..1", cfg.SampleRatio)
	}
	t := &Tracer{ratio: cfg.SampleRatio, threshold: threshold(cfg.SampleRatio)}
	var batch sdktrace.TracerProviderOption
	switch {
	case cfg.Exporter != nil:
		batch = sdktrace.WithSyncer(cfg.Exporter)
	case cfg.OTLPEndpoint != "":
		endpoint, err := endpointURL(cfg.OTLPEndpoint)
		if err != nil {
			return nil, err
		}
		exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(endpoint))
		if err != nil {
			return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
		}
		batch = sdktrace.WithBatcher(exp)
	default:
		return t, nil
	}
	name := cfg.ServiceName
	if name == "" {
		name = "rampart"
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", name)}
	if cfg.ServiceVersion != "" {
		attrs = append(attrs, attribute.String("service.version", cfg.ServiceVersion))
	}
	t.tp = sdktrace.NewTracerProvider(
		batch,
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
	)
	t.tracer = t.tp.Tracer("github.com/rampart-api/rampart/tracing")
	return t, nil
}

// endpointURL adds /v1/traces to an endpoint given without a path.
func endpointURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("tracing: OTLP endpoint %q is not an http or https URL", s)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}

// threshold is TraceIDRatioBased's: a new trace is sampled when the low
// 63 bits of its trace id's second half are below ratio * 2^63.
func threshold(ratio float64) uint64 {
	if ratio >= 1 {
		return math.MaxUint64
	}
	return uint64(ratio * (1 << 63))
}

// Exporting reports whether spans are exported.
func (t *Tracer) Exporting() bool { return t != nil && t.tp != nil }

// Shutdown flushes the spans not yet exported and stops the exporter,
// waiting at most until ctx is done.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if !t.Exporting() {
		return nil
	}
	return t.tp.Shutdown(ctx)
}

// Span is a request's span; the zero Span (propagation only) does
// nothing when ended.
type Span struct{ s trace.Span }

// Start continues the trace of r's valid traceparent or starts a new
// one, records the trace id in info and rewrites r's traceparent (and
// tracestate) to the ones the upstream gets: the gateway's own span as
// the parent. It returns r, with the span's context when exporting.
func (t *Tracer) Start(r *http.Request, info *rampart.Info) (*http.Request, Span) {
	if t.Exporting() {
		return t.startSpan(r, info)
	}
	h := r.Header
	sc, valid := incoming(h)
	var tp string
	if valid {
		sc = SpanContext{TraceID: sc.TraceID, SpanID: newSpanID(), Sampled: sc.Sampled}
		tp = sc.Traceparent()
	} else {
		sc, tp = t.newTrace()
		delete(h, TracestateHeader)
	}
	if info != nil {
		info.TraceID = sc.TraceID
	}
	if v := h[TraceparentHeader]; len(v) == 1 {
		v[0] = tp
	} else {
		h[TraceparentHeader] = info.HeaderValue(tp)
	}
	return r, Span{}
}

// newSpanID returns a random span id, never all zero.
func newSpanID() (id [8]byte) {
	binary.BigEndian.PutUint64(id[:], rand.Uint64()|1)
	return id
}

// tracesPerBlock is how many new traces one allocation holds. Most
// requests start a trace, and a trace started by the gateway is random
// through and through, so their contexts and traceparent values are made
// ahead, a block at a time, and the values cut from one string (see
// requestid, which does the same).
const tracesPerBlock = 32

// traceBlock holds the contexts of new traces and their traceparent
// values, end to end in s. One goroutine at a time uses a block: the one
// that took it from the pool.
type traceBlock struct {
	sc   [tracesPerBlock]SpanContext
	s    string
	next int
}

// nilTraces are the blocks of a nil *Tracer, which samples every trace.
var nilTraces sync.Pool

// newTrace returns the context of a new trace, with a new span id, and
// its traceparent value.
func (t *Tracer) newTrace() (SpanContext, string) {
	pool := &nilTraces
	if t != nil {
		pool = &t.traces
	}
	b, _ := pool.Get().(*traceBlock)
	if b == nil {
		b = t.newTraceBlock()
	}
	i := b.next
	sc, tp := b.sc[i], b.s[i*traceparentLen:(i+1)*traceparentLen]
	if b.next++; b.next < tracesPerBlock {
		pool.Put(b)
	}
	return sc, tp
}

func (t *Tracer) newTraceBlock() *traceBlock {
	b := new(traceBlock)
	var buf [tracesPerBlock * traceparentLen]byte
	s := buf[:0]
	for i := range b.sc {
		sc := &b.sc[i]
		binary.BigEndian.PutUint64(sc.TraceID[:8], rand.Uint64())
		binary.BigEndian.PutUint64(sc.TraceID[8:], rand.Uint64())
		sc.Sampled = t.sampleNew(sc.TraceID)
		sc.SpanID = newSpanID()
		s = sc.appendTraceparent(s)
	}
	b.s = string(s)
	return b
}

// incoming returns r's traceparent when there is exactly one and it is
// valid, and whether there was.
func incoming(h http.Header) (SpanContext, bool) {
	v := h[TraceparentHeader]
	if len(v) != 1 {
		return SpanContext{}, false
	}
	return ParseTraceparent(v[0])
}

func (t *Tracer) sampleNew(id [16]byte) bool {
	if t == nil {
		return true
	}
	return binary.BigEndian.Uint64(id[8:])>>1 < t.threshold
}

// startSpan is Start with an SDK server span.
func (t *Tracer) startSpan(r *http.Request, info *rampart.Info) (*http.Request, Span) {
	h := r.Header
	ctx := r.Context()
	if _, ok := incoming(h); ok {
		ctx = t.prop.Extract(ctx, propagation.HeaderCarrier(h))
	}
	delete(h, TraceparentHeader)
	delete(h, TracestateHeader)
	ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", r.Method)))
	sc := span.SpanContext()
	if info != nil {
		info.TraceID = sc.TraceID()
	}
	// An unsampled span is not recorded, yet its context still goes
	// upstream, with the sampled flag off.
	t.prop.Inject(ctx, propagation.HeaderCarrier(h))
	return r.WithContext(ctx), Span{s: span}
}

// End ends the span with the request's route and status: the span is
// named "METHOD route" and a 5xx marks it as an error.
func (s Span) End(r *http.Request, info *rampart.Info, status int) {
	if s.s == nil {
		return
	}
	if s.s.IsRecording() {
		if info != nil && info.Route != "" {
			s.s.SetName(r.Method + " " + info.Route)
			s.s.SetAttributes(attribute.String("http.route", info.Route))
		}
		s.s.SetAttributes(attribute.Int("http.response.status_code", status))
		if info != nil && info.RequestID != "" {
			s.s.SetAttributes(attribute.String("rampart.request_id", info.RequestID))
		}
		if status >= 500 {
			s.s.SetStatus(codes.Error, strings.TrimSpace(http.StatusText(status)))
		}
	}
	s.s.End()
}
