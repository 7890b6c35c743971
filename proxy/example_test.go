package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart/proxy"
)

// An upstream error page with a stack trace and a framework banner never
// reaches the client.
func ExampleProxy_ServeHTTP() {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Powered-By", "Express")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "TypeError: Cannot read properties of undefined\n    at /srv/app/routes/notes.js:42:17")
	}))
	defer upstream.Close()

	p, err := proxy.New(proxy.Config{Target: upstream.URL})
	if err != nil {
		panic(err)
	}
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest("GET", "/api/notes/7", nil))
	fmt.Println(w.Code, w.Header().Get("X-Powered-By") == "")
	fmt.Println(w.Body.String())
	// Output:
	// 500 true
	// {"type":"about:blank","title":"Internal Server Error","status":500}
}
