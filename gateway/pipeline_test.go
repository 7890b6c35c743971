package gateway_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// A resource the routes share is built once, before the routes: its error
// is reported once, under its own field, and never as a route's.
func TestSharedErrorsReportedOnceUnderTheirField(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(*config.Config)
		field  string
	}{
		{"rate-limit store", func(c *config.Config) { c.RateLimits.Store = "bogus" }, "rate_limits.store"},
		{"per-client cap", func(c *config.Config) { c.RateLimits.Concurrency.PerClient = -3 }, "rate_limits.concurrency.per_client"},
		{"structural limits", func(c *config.Config) { c.Limits.MaxDepth = -1 }, "MaxDepth"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := config.Parse([]byte(fmt.Sprintf(baseConfig, "http://127.0.0.1:1")), "shared.yaml")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			tt.mutate(cfg)
			err := gateway.Check(cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if n := strings.Count(msg, tt.field); n != 1 {
				t.Fatalf("%q reported %d times:\n%s", tt.field, n, msg)
			}
			if strings.Contains(msg, "route ") {
				t.Fatalf("shared error reported with a route:\n%s", msg)
			}
		})
	}
}
