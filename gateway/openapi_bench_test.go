package gateway_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart-api/rampart/internal/notedoc"
)

// BenchmarkPipelineOpenAPI is BenchmarkPipelineCore with the upstream's
// OpenAPI 3.0 document: the integer path parameter validated and the
// conforming JSON answer filtered. The difference between the two is
// what validation costs a request.
func BenchmarkPipelineOpenAPI(b *testing.B) {
	doc := filepath.Join(b.TempDir(), "openapi.yaml")
	if err := os.WriteFile(doc, notedoc.Document("3.0.3"), 0o600); err != nil {
		b.Fatal(err)
	}
	benchGateway(b, fmt.Sprintf(`
upstreams:
  app: {url: http://127.0.0.1:9, openapi: %s}
cors:
  allowed_origins: [https://app.example.com]
  allow_credentials: true
routes:
  - {path: "/api/notes/{id}", upstream: app, auth: none}
`, doc), nil)
}
