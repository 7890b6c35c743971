package concurrency_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart/concurrency"
)

func ExampleLimiter() {
	l, err := concurrency.New(concurrency.Config{Max: 512, PerClient: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	var inner *httptest.ResponseRecorder
	var h http.Handler
	h = l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if inner == nil { // a second request from the same client while this one runs
			inner = httptest.NewRecorder()
			h.ServeHTTP(inner, r)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/report", nil))
	fmt.Println(inner.Code, inner.Header().Get("Retry-After"))
	// Output: 503 1
}
