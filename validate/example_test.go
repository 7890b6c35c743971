package validate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/rampart-api/rampart/validate"
)

func ExampleValidator_Handler() {
	doc, err := os.ReadFile("testdata/demo-openapi.yaml")
	if err != nil {
		panic(err)
	}
	v, err := validate.New(validate.Config{Document: doc, RejectUnknownProperties: true})
	if err != nil {
		panic(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":1,"username":"ada","email":"ada@example.com","role":"user","password_hash":"$2a$10$x"}`)
	})
	h := v.Handler(app)

	signup := httptest.NewRequest("POST", "/api/signup", strings.NewReader(
		`{"username":"ada","password":"correct horse","email":"ada@example.com","role":"admin"}`))
	signup.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signup)
	fmt.Println(w.Code, w.Body.String())

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/users/1", nil))
	fmt.Println(w.Code, w.Body.String())

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/debug/vars", nil))
	fmt.Println(w.Code)
	// Output:
	// 400 {"type":"about:blank","title":"Bad Request","status":400,"detail":"The request does not match the API description.","errors":[{"pointer":"/role","detail":"is not a declared property"}]}
	// 200 {"email":"ada@example.com","id":1,"role":"user","username":"ada"}
	// 404
}

// A Validator placed in front of a handler that reads the body before it
// (here a logging middleware draining r.Body) sees an empty body: the
// validator must come before anything that consumes the body, or that
// middleware must put the body back.
func ExampleValidator_Handler_bodyConsumedBefore() {
	doc, _ := os.ReadFile("testdata/demo-openapi.yaml")
	v, _ := validate.New(validate.Config{Document: doc})
	drain := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			buf := make([]byte, 1024)
			for {
				if _, err := r.Body.Read(buf); err != nil {
					break
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	h := drain(v.Handler(http.NotFoundHandler()))
	r := httptest.NewRequest("POST", "/api/notes", strings.NewReader(`{"title":"t","body":"b"}`))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// 400
}
