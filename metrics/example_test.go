package metrics_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/metrics"
)

// Metrics subscribe to the hub that a gateway's event and access logs
// feed; here the hub is fed by hand.
func Example() {
	hub := audit.NewHub()
	m := metrics.New(metrics.Options{Version: "v1.0.0", Revision: "0123abcd", GoVersion: "go1.27.3"})
	hub.Subscribe(m)
	access := (*audit.AccessLog)(nil).Observed(hub) // access log off, metrics on

	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/42", nil))
	info.Route = "/api/notes/{id}"
	access.Log(r, 200, 17, 0)
	access.Log(httptest.NewRequest("PROPFIND", "/wp-admin/", nil), 404, 0, 0)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "rampart_requests_total") || strings.HasPrefix(line, "rampart_build_info") {
			fmt.Println(line)
		}
	}
	// Output:
	// rampart_build_info{go_version="go1.27.3",revision="0123abcd",version="v1.0.0"} 1
	// rampart_requests_total{method="GET",route="/api/notes/{id}",status_class="2xx"} 1
	// rampart_requests_total{method="OTHER",route="unmatched",status_class="4xx"} 1
}
