package clientip_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/clientip"
)

func ExampleResolver_Handler() {
	res, err := clientip.New([]string{"10.0.0.0/8"})
	if err != nil {
		panic(err)
	}
	h := res.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(rampart.InfoFrom(r.Context()).ClientIP)
	}))
	for _, c := range []struct{ peer, xff string }{
		{"10.0.0.7:4100", "198.51.100.1, 203.0.113.9"}, // via a trusted proxy: the rightmost untrusted hop
		{"10.0.0.7:4100", "203.0.113.9, 10.0.0.3"},     // trusted hops are skipped
		{"192.0.2.50:4100", "127.0.0.1"},               // an untrusted peer's header is ignored
		{"10.0.0.7:4100", "oh, hi,,127.0.0.1,,,,"},     // empty entries are skipped
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		r.Header.Set("X-Forwarded-For", c.xff)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	// Output:
	// 203.0.113.9
	// 203.0.113.9
	// 192.0.2.50
	// 127.0.0.1
}
