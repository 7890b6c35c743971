package gateway_test

import (
	"testing"

	"github.com/rampart-api/rampart/gateway"
)

// BenchmarkServerPipelineCore is BenchmarkPipelineCore through the
// server's handler, which also counts the request in flight on the
// configuration it runs.
func BenchmarkServerPipelineCore(b *testing.B) {
	cfg, opts := benchConfig(b, coreYAML)
	srv, err := gateway.NewServer(cfg, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Gateway().Close()
	runPipeline(b, srv.Handler(), nil)
}
