package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth"
)

func BenchmarkHandler(b *testing.B) {
	mw, err := auth.New(auth.Config{Authenticators: []rampart.Authenticator{noCreds, ok}})
	if err != nil {
		b.Fatal(err)
	}
	h := mw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r, _ := rampart.WithInfo(httptest.NewRequest("GET", "/", nil))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

func BenchmarkBearerToken(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.BearerToken(r); err != nil {
			b.Fatal(err)
		}
	}
}
