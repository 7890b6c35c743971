package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// counting is an observer that counts requests and events.
type counting struct {
	mu               sync.Mutex
	requests, events int
}

func (c *counting) ObserveEvent(*http.Request, audit.Event) {
	c.mu.Lock()
	c.events++
	c.mu.Unlock()
}

func (c *counting) ObserveRequest(*http.Request, audit.Outcome) {
	c.mu.Lock()
	c.requests++
	c.mu.Unlock()
}

// An observer on the hub (the security console, metrics) sees every
// request and event whether the logs are on or off, and the logs write
// what they write without it.
func TestHubSeesEveryRequestWhetherTheLogIsOnOrOff(t *testing.T) {
	for _, logCfg := range []config.Log{
		{Server: "off", Access: "stderr", Events: "stderr", Level: "info"},
		{Server: "off", Access: "off", Events: "off", Level: "info"},
	} {
		t.Run("access "+logCfg.Access, func(t *testing.T) {
			var out syncBuffer
			logs, err := gateway.OpenLogs(logCfg, &out)
			if err != nil {
				t.Fatal(err)
			}
			hub := audit.NewHub()
			c := &counting{}
			defer hub.Subscribe(c)()
			cfg, diags := config.Parse([]byte("upstreams: {app: {url: \"http://127.0.0.1:1\"}}\nroutes:\n  - {path: \"/api/*\", upstream: app, auth: none}\n"), "observe.yaml")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			gw, err := gateway.New(cfg, gateway.Options{Log: logs.Server, Access: logs.Access, Events: logs.Events, Hub: hub})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = gw.Close() })
			for _, path := range []string{"/nowhere", "/api/a%2fb"} {
				w := httptest.NewRecorder()
				gw.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
				if w.Code < 400 {
					t.Fatalf("%s: %d", path, w.Code)
				}
			}
			_ = logs.Close()
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.requests != 2 || c.events < 1 {
				t.Fatalf("observed %d requests and %d events", c.requests, c.events)
			}
			off := logCfg.Access == "off"
			lines := out.String()
			if off != (lines == "") {
				t.Fatalf("log output with access %s: %q", logCfg.Access, lines)
			}
		})
	}
}
