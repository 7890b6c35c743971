package apikey_test

import (
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/rampart-api/rampart/auth/apikey"
)

func BenchmarkAuthenticate(b *testing.B) {
	entries := make([]apikey.Entry, 1000)
	for i := range entries {
		entries[i] = apikey.Entry{Hash: apikey.Hash("rk_bench-key-" + strconv.Itoa(i)), Subject: "svc-" + strconv.Itoa(i), Roles: []string{"service"}}
	}
	a, err := apikey.New(apikey.Config{Keys: entries})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, key string }{
		{"known of 1000", "rk_bench-key-500"},
		{"unknown", "rk_bench-key-none"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-API-Key", bc.key)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = a.Authenticate(r)
			}
		})
	}
}
