package gateway_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// TestAuthCompileErrorsNameTheirBlock removes the API keys file after the
// configuration loaded, so that only the compile sees it missing, and
// wants the refusal located at the block's line, as rampart check prints
// it.
func TestAuthCompileErrorsNameTheirBlock(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys.yaml")
	if err := os.WriteFile(keys, []byte("- {hash: \"sha256:"+strings.Repeat("ab", 32)+"\", subject: ci}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "x.yaml")
	data := "upstreams:\n  app: {url: \"http://127.0.0.1:9000\"}\nauth:\n  apikey:\n    keys_file: keys.yaml\nroutes:\n  - {path: /a, upstream: app, auth: apikey}\n"
	cfg, diags := config.Parse([]byte(data), file)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if err := os.Remove(keys); err != nil {
		t.Fatal(err)
	}
	found := cfg.Locate(gateway.Check(cfg))
	for _, p := range found {
		if p.Path == "auth.apikey" && p.Line == 4 && strings.Contains(p.Message, "keys.yaml") {
			return
		}
	}
	t.Fatalf("problems:\n%s\nwant one at auth.apikey, line 4", found)
}
