package config_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/config"
)

const validationBase = `
upstreams:
  app:
    url: http://127.0.0.1:9000
%s
routes:
  - path: /api/search
    upstream: app
    auth: none
%s
`

// writeDocs puts the demo API's OpenAPI 3.0 and 3.1 documents and a broken
// one in a folder, as an operator would next to rampart.yaml.
func writeDocs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for dst, src := range map[string]string{"openapi.yaml": "demo-openapi.yaml", "openapi-3.1.yaml": "demo-openapi-3.1.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "validate", "testdata", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	noSchema := "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n    delete:\n      responses: {'204': {description: gone}}\n"
	if err := os.WriteFile(filepath.Join(dir, "noschema.yaml"), []byte(noSchema), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {$ref: '#/components/responses/Missing'}}\n"
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.yaml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func loadIn(t *testing.T, dir, upstream, route string) (*config.Config, config.Diagnostics) {
	t.Helper()
	file := filepath.Join(dir, "rampart.yaml")
	data := fmt.Appendf(nil, validationBase, upstream, route)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return config.Load(file)
}

func TestValidationConfig(t *testing.T) {
	dir := writeDocs(t)
	tests := []struct {
		name     string
		upstream string // indented under upstreams.app
		route    string // indented under routes[0]
		errors   []string
		warnings []string
	}{
		{name: "secure defaults", upstream: "    openapi: ./openapi.yaml"},
		{name: "OpenAPI 3.1", upstream: "    openapi: openapi-3.1.yaml"},
		{name: "every mode named", upstream: "    openapi: ./openapi.yaml\n    validation: {requests: report, responses: enforce, inventory: report, max_response_bytes: 65536}"},
		{
			name:     "checks switched off",
			upstream: "    openapi: ./openapi.yaml\n    validation: {requests: off, responses: off, inventory: off, reject_unknown_properties: false}",
			warnings: []string{"validation.requests: off", "validation.responses: off", "validation.inventory: off", "validation.reject_unknown_properties: false"},
		},
		{
			name:     "missing document",
			upstream: "    openapi: ./missing.yaml",
			errors:   []string{"upstreams.app.openapi:", "missing.yaml"},
		},
		{
			name:     "empty document",
			upstream: "    openapi: empty.yaml",
			errors:   []string{"upstreams.app.openapi: empty.yaml is empty"},
		},
		{
			name:     "modes a check does not accept",
			upstream: "    openapi: ./openapi.yaml\n    validation: {requests: filter, responses: block, inventory: filter, max_response_bytes: -1}",
			errors: []string{
				`validation.requests: "filter" is not one of enforce, report, off`,
				`validation.responses: "block" is not one of filter, enforce, report, off`,
				`validation.inventory: "filter" is not one of enforce, report, off`,
				"validation.max_response_bytes: must not be negative",
			},
		},
		{
			name:     "validation without a document",
			upstream: "    validation: {requests: enforce}",
			errors:   []string{"upstreams.app.validation: needs openapi"},
		},
		{name: "WAF", route: "    waf: {enabled: true, paranoia: 2, anomaly_threshold: 10, exclude_rules: [942100], max_body_bytes: 131072}"},
		{
			name:     "WAF detect only",
			route:    "    waf: {detect_only: true}",
			warnings: []string{"routes[0].waf.detect_only: attacks are reported, not blocked"},
		},
		{
			name:     "WAF switched off",
			route:    "    waf: {enabled: false}",
			warnings: []string{"routes[0].waf.enabled: false"},
		},
		{
			name:  "WAF out of range",
			route: "    waf: {exclude_rules: [0, -942100]}",
			errors: []string{
				"routes[0].waf.exclude_rules[0]: 0 is not a rule id",
				"routes[0].waf.exclude_rules[1]: -942100 is not a rule id",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := loadIn(t, dir, tt.upstream, tt.route)
			checkDiags(t, diags.Errors(), tt.errors)
			checkDiags(t, diags.Warnings(), tt.warnings)
		})
	}
}

// checkDiags wants every fragment in some problem, and no other problem.
func checkDiags(t *testing.T, d config.Diagnostics, want []string) {
	t.Helper()
	got := d.String()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
	if len(want) == 0 && len(d) > 0 {
		t.Errorf("unexpected:\n%s", got)
	}
}

// TestDocumentKept checks that the gateway gets the bytes that were
// checked, and the secure default for unknown properties.
func TestDocumentKept(t *testing.T) {
	dir := writeDocs(t)
	cfg, diags := loadIn(t, dir, "    openapi: ./openapi.yaml", "")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "openapi.yaml"))
	u := cfg.Upstreams["app"]
	if !bytes.Equal(u.Document, want) {
		t.Fatalf("document not kept")
	}
	if !u.Validation.RejectsUnknownProperties() {
		t.Fatalf("reject_unknown_properties must default to true")
	}
	cfg, _ = loadIn(t, dir, "    openapi: ./openapi.yaml\n    validation: {reject_unknown_properties: false}", "")
	if cfg.Upstreams["app"].Validation.RejectsUnknownProperties() {
		t.Fatalf("reject_unknown_properties: false ignored")
	}
}

// TestDocumentThroughReadFile shows how an embedded configuration supplies
// its document: Options.ReadFile is asked for the resolved path.
func TestDocumentThroughReadFile(t *testing.T) {
	doc, err := os.ReadFile("../validate/testdata/demo-openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	data := fmt.Sprintf(validationBase, "    openapi: ./openapi.yaml", "")
	cfg, diags := config.Parse([]byte(data), "embedded/rampart.yaml", config.Options{
		ReadFile: func(p string) ([]byte, error) {
			asked = append(asked, p)
			if p == filepath.Join("embedded", "openapi.yaml") {
				return doc, nil
			}
			return nil, os.ErrNotExist
		},
	})
	if diags.HasErrors() || len(asked) != 1 || cfg.Upstreams["app"].Document == nil {
		t.Fatalf("asked %v, diags %s", asked, diags)
	}
}

func TestLimitsConfig(t *testing.T) {
	dir := writeDocs(t)
	for _, tt := range []struct {
		name, limits string
		errors       []string
	}{
		{"defaults", "", nil},
		{"set", "limits: {max_depth: 16, max_array: 100, max_string: 4096, max_properties: 50}", nil},
		{"decode encodings", "limits: {request_encoding: decode}", nil},
		{"unknown encoding policy", "limits: {request_encoding: inflate}", []string{`limits.request_encoding: "inflate" is not one of refuse, decode`}},
		{"negative", "limits: {max_depth: -1, max_array: -1, max_string: -1, max_properties: -1}", []string{
			"limits.max_depth: must not be negative", "limits.max_array: must not be negative",
			"limits.max_string: must not be negative", "limits.max_properties: must not be negative",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := loadIn(t, dir, "", "")
			if tt.limits != "" {
				file := filepath.Join(dir, "rampart.yaml")
				data, _ := os.ReadFile(file)
				if err := os.WriteFile(file, append(data, tt.limits+"\n"...), 0o600); err != nil {
					t.Fatal(err)
				}
				cfg, diags = config.Load(file)
			}
			checkDiags(t, diags.Errors(), tt.errors)
			if len(tt.errors) == 0 {
				lc := cfg.Limits.JSONLimits(cfg.Server.MaxBodyBytes)
				if lc.MaxBody != config.DefaultMaxBodyBytes || lc.MaxDepth != cfg.Limits.MaxDepth {
					t.Fatalf("jsonlimits config %+v", lc)
				}
			}
		})
	}
}

func TestWAFKey(t *testing.T) {
	a := &config.WAF{Paranoia: 1, ExcludeRules: []int{942100, 941100}}
	b := &config.WAF{Paranoia: 1, ExcludeRules: []int{941100, 942100, 941100}}
	c := &config.WAF{Paranoia: 2, ExcludeRules: []int{941100, 942100}}
	if a.Key() != b.Key() || a.Key() == c.Key() {
		t.Fatalf("keys %q %q %q", a.Key(), b.Key(), c.Key())
	}
	if !a.On() || (*config.WAF)(nil).On() {
		t.Fatal("On")
	}
}

func TestMethodOverrideConfig(t *testing.T) {
	for _, tt := range []struct {
		value            string
		errors, warnings []string
	}{
		{"", nil, nil},
		{"refuse", nil, nil},
		{"allow", nil, []string{"routes[0].method_override: allow"}},
		{"yes", []string{`routes[0].method_override: "yes" is not one of refuse, allow`}, nil},
	} {
		t.Run(tt.value, func(t *testing.T) {
			cfg, diags := config.Parse([]byte(`
upstreams:
  app: {url: "http://127.0.0.1:1"}
routes:
  - {path: /a, methods: [DELETE], upstream: app, auth: none, method_override: "`+tt.value+`"}
`), "x.yaml")
			checkDiags(t, diags.Errors(), tt.errors)
			for _, w := range tt.warnings {
				if !strings.Contains(diags.String(), w) {
					t.Errorf("missing warning %q in %s", w, diags)
				}
			}
			if len(tt.errors) == 0 && cfg.Routes[0].AllowsMethodOverride() != (tt.value == "allow") {
				t.Errorf("AllowsMethodOverride = %v", cfg.Routes[0].AllowsMethodOverride())
			}
		})
	}
}
