package waf_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/waf"
)

func ExampleFirewall_Handler() {
	w, err := waf.New(waf.Config{
		ParanoiaLevel: 1,
		Exclusions:    []int{920350}, // numeric Host header, e.g. behind a load balancer
		Events:        audit.NewLogger(slog.NewJSONHandler(os.Stderr, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close()
	api := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(rw, "results")
	})
	h := w.Handler(api)

	for _, search := range []string{"O'Brien", "' OR 1=1--"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/search?q="+url.QueryEscape(search), nil))
		fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	}
	// Output:
	// 200 text/plain; charset=utf-8
	// 403 application/problem+json
}

// A Config read from a file is checked as a whole: every problem comes
// back at once, and removing the rules that do the blocking is refused.
func ExampleNew_invalidConfig() {
	_, err := waf.New(waf.Config{ParanoiaLevel: 5, Exclusions: []int{949110}})
	fmt.Println(errors.Is(err, waf.ErrInvalidConfig))
	fmt.Println(err)
	// Output:
	// true
	// waf: invalid ParanoiaLevel 5: must be 1 to 4
	// waf: cannot exclude rule 949110: CRS anomaly evaluation rule
}
