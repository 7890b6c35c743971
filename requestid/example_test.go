package requestid_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/requestid"
)

func ExampleHandler() {
	h := requestid.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, rampart.InfoFrom(r.Context()).RequestID)
	}))
	for _, id := range []string{"req-42", "forged\" id=\"admin"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Request-Id", id)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		kept := w.Body.String() == id
		fmt.Println(kept, w.Header().Get("X-Request-Id") == w.Body.String())
	}
	// Output:
	// true true
	// false true
}
