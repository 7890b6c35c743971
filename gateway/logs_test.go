package gateway_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// TestServerLogRedactsUpstreamErrors checks that the excerpt of a
// scrubbed upstream 5xx body reaches the server log without the
// credentials it carried.
func TestServerLogRedactsUpstreamErrors(t *testing.T) {
	bodies := map[string]string{
		"/form":   "login failed for user=alice&password=hunter2",
		"/json":   `{"error":"db","config":{"password":"hunter2","host":"db"}}`,
		"/header": "upstream said Authorization: Bearer hunter2hunter2 was refused",
		"/dsn":    "Error: connect ECONNREFUSED postgres://app:hunter2@10.0.0.5:5432/app\n    at Pool.connect (/app/node_modules/pg/lib/pool.js:45:11)",
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, bodies[r.URL.Path])
	}))
	t.Cleanup(up.Close)
	var out syncBuffer
	logs, err := gateway.OpenLogs(config.Log{Server: "stderr", Access: "off", Events: "off", Level: "info"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = logs.Close() })
	cfg, diags := config.Parse([]byte(fmt.Sprintf("upstreams: {app: {url: %s}}\nroutes:\n  - {path: \"/*\", upstream: app, auth: none}\n", up.URL)), "logs.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	gw, err := gateway.New(cfg, gateway.Options{Log: logs.Server})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	for path := range bodies {
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 500 || strings.Contains(w.Body.String(), "hunter2") {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
	}
	log := out.String()
	if n := strings.Count(log, "upstream error response scrubbed"); n != len(bodies) {
		t.Fatalf("%d excerpts logged, want %d:\n%s", n, len(bodies), log)
	}
	if strings.Contains(log, "hunter2") {
		t.Fatalf("server log keeps a credential:\n%s", log)
	}
	if !strings.Contains(log, "ECONNREFUSED") || !strings.Contains(log, "login failed") {
		t.Fatalf("excerpts lost their useful part:\n%s", log)
	}
}

func TestLogsCountNoDroppedLinesWhenTheOutputKeepsUp(t *testing.T) {
	dir := t.TempDir()
	l, err := gateway.OpenLogs(config.Log{Level: "info", Server: "off", Access: filepath.Join(dir, "access.log"), Events: "off"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/1", nil))
	info.RequestID = "rid"
	for range 5000 {
		l.Access.Log(r, 200, 42, time.Millisecond)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n != 5000 || l.Dropped() != 0 {
		t.Fatalf("%d lines in the file, %d dropped; want 5000 and 0", n, l.Dropped())
	}
}
