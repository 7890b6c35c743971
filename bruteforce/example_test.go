package bruteforce_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rampart-api/rampart/bruteforce"
)

func ExampleGuard() {
	g, err := bruteforce.New(bruteforce.Config{UsernameField: "username", MaxFailures: 3, Store: &bruteforce.MemoryStore{}})
	if err != nil {
		fmt.Println(err)
		return
	}
	login := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized) // the upstream refuses the password
	}))
	for range 4 {
		r := httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"username":"alice","password":"guess"}`))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		login.ServeHTTP(w, r)
		fmt.Printf("%d retry-after=%q\n", w.Code, w.Header().Get("Retry-After"))
	}
	// Output:
	// 401 retry-after=""
	// 401 retry-after=""
	// 401 retry-after=""
	// 429 retry-after="900"
}
