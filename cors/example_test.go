package cors_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart/cors"
)

func ExamplePolicy_Handler() {
	c, err := cors.New(cors.Config{
		AllowedOrigins:   []string{"https://app.example.com"},
		AllowedMethods:   []string{"GET", "POST"},
		AllowCredentials: true,
	})
	if err != nil {
		panic(err)
	}
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, origin := range []string{"https://app.example.com", "https://evil.example"} {
		r := httptest.NewRequest("GET", "/api/notes", nil)
		r.Header.Set("Origin", origin)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%s: %q\n", origin, w.Header().Get("Access-Control-Allow-Origin"))
	}
	// Output:
	// https://app.example.com: "https://app.example.com"
	// https://evil.example: ""
}

// Wrong use: any origin with credentials would let every site read the
// user's data; New refuses it, with every other problem of the config.
func ExampleNew_wildcardWithCredentials() {
	_, err := cors.New(cors.Config{AllowedOrigins: []string{"*", "null"}, AllowCredentials: true})
	fmt.Println(err)
	// Output:
	// cors: AllowedOrigins[0]: "*": "*" together with allow_credentials would let every site read credentialed responses
	// cors: AllowedOrigins[1]: "null": "null" is the origin of sandboxed iframes and local files: any page can send it
}
