package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/tracing"
)

// startTracing makes the tracer of tracing.*: propagation only, or
// export to the OTLP endpoint. The stop function flushes spans not yet
// sent, waiting at most 5s for the collector.
func startTracing(cfg *config.Config, log *slog.Logger) (*tracing.Tracer, func(), error) {
	tc := cfg.Tracing
	t, err := tracing.New(tracing.Config{
		OTLPEndpoint:   tc.OTLPEndpoint,
		SampleRatio:    tc.Ratio(),
		ServiceName:    tc.ServiceName,
		ServiceVersion: build().Version,
	})
	if err != nil {
		return nil, nil, &config.FieldError{Path: "tracing", Err: err}
	}
	if t.Exporting() {
		log.Info("exporting traces", slog.String("otlp_endpoint", tc.OTLPEndpoint), slog.Float64("sample_ratio", tc.Ratio()))
	}
	return t, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := t.Shutdown(ctx); err != nil {
			log.Warn("flushing traces", slog.String("error", err.Error()))
		}
	}, nil
}
