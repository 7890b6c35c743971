// Package tracing carries W3C Trace Context (traceparent, tracestate)
// through the gateway and, when an OTLP endpoint is configured, exports a
// server span per request with OpenTelemetry.
//
// Every request forwarded upstream carries a traceparent: the client's
// trace continued when its traceparent is valid, a new trace started when
// it is absent or malformed (a malformed one and its tracestate are
// dropped, never forwarded). The trace id is put in the request's
// [rampart.Info], so that access-log lines and security events carry it.
//
// Without export, a [*Tracer] only propagates: ids come from a cheap
// random source and no SDK span is made. A nil *Tracer propagates too,
// sampling every new trace.
//
//	t, err := tracing.New(tracing.Config{OTLPEndpoint: "http://127.0.0.1:4318", SampleRatio: 0.1})
//	defer t.Shutdown(ctx)
//	gw, err := gateway.New(cfg, gateway.Options{Tracer: t})
package tracing
