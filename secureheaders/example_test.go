package secureheaders_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart/secureheaders"
)

func ExampleHeaders_Handler() {
	h, err := secureheaders.New(secureheaders.Config{Profile: secureheaders.ProfileHelmet})
	if err != nil {
		panic(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "ALLOWALL") // the app may still change a header
	})
	w := httptest.NewRecorder()
	h.Handler(app).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	fmt.Println(w.Header().Get("X-Content-Type-Options"), w.Header().Get("X-Frame-Options"))
	// Output:
	// nosniff ALLOWALL
}
