package clientip_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/rampart-api/rampart/clientip"
)

// Two addresses of one IPv6 /64 are one client to the limits: a host
// that owns the /64 gains nothing by changing address.
func ExampleGroup() {
	for _, peer := range []string{"[2001:db8:1:2::10]:4000", "[2001:db8:1:2::99]:4000", "198.51.100.7:4000"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		fmt.Println(clientip.Group(r))
	}
	// Output:
	// 2001:db8:1:2::
	// 2001:db8:1:2::
	// 198.51.100.7
}
