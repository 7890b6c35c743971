package bruteforce_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/bruteforce"
)

// BenchmarkSuccessfulLogin is the guard's cost on a login that succeeds:
// body read, username parse and hash, lock check, counter reset.
func BenchmarkSuccessfulLogin(b *testing.B) {
	g, _ := bruteforce.New(bruteforce.Config{UsernameField: "username", Store: &bruteforce.MemoryStore{}})
	h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	const body = `{"username":"alice","password":"correct horse battery staple"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/api/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
