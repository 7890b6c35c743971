package clientip_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/clientip"
)

func TestClientIP(t *testing.T) {
	res, err := clientip.New([]string{"10.0.0.0/8", "192.0.2.1", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"direct client", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"untrusted peer spoofs XFF", "203.0.113.5:4000", []string{"1.2.3.4"}, "203.0.113.5"},
		{"untrusted peer spoofs trusted XFF", "203.0.113.5:4000", []string{"10.0.0.1"}, "203.0.113.5"},
		{"trusted proxy, one hop", "10.1.1.1:80", []string{"198.51.100.7"}, "198.51.100.7"},
		{"client prepends a fake hop", "10.1.1.1:80", []string{"1.1.1.1, 198.51.100.7"}, "198.51.100.7"},
		{"two trusted proxies", "10.1.1.1:80", []string{"198.51.100.7, 10.2.2.2"}, "198.51.100.7"},
		{"several header lines", "10.1.1.1:80", []string{"6.6.6.6", "198.51.100.7", "10.2.2.2"}, "198.51.100.7"},
		{"oh, hi", "10.1.1.1:80", []string{"oh, hi,,198.51.100.7,,,,"}, "198.51.100.7"},
		{"garbage right of client", "10.1.1.1:80", []string{"198.51.100.7, garbage"}, "10.1.1.1"},
		{"garbage after trusted hop", "10.1.1.1:80", []string{"garbage, 10.3.3.3"}, "10.3.3.3"},
		{"all trusted", "10.1.1.1:80", []string{"10.9.9.9, 10.8.8.8"}, "10.9.9.9"},
		{"empty XFF from trusted", "10.1.1.1:80", []string{""}, "10.1.1.1"},
		{"port in XFF", "10.1.1.1:80", []string{"198.51.100.7:5555"}, "198.51.100.7"},
		{"bracketed v6 with port", "10.1.1.1:80", []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"bracketed v6", "10.1.1.1:80", []string{"[2001:db8::1]"}, "2001:db8::1"},
		{"v4-mapped peer is trusted", "[::ffff:10.1.1.1]:80", []string{"198.51.100.7"}, "198.51.100.7"},
		{"v4-mapped XFF unmapped", "10.1.1.1:80", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"zone dropped", "[fe80::1%eth0]:80", nil, "fe80::1"},
		{"v6 trusted proxy", "[fd00::1]:80", []string{"2001:db8::9"}, "2001:db8::9"},
		{"single trusted address", "192.0.2.1:80", []string{"198.51.100.7"}, "198.51.100.7"},
		{"neighbour of trusted address", "192.0.2.2:80", []string{"198.51.100.7"}, "192.0.2.2"},
		{"unparseable remote", "pipe", []string{"198.51.100.7"}, "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := res.ClientIP(r).String(); got != tt.want {
				t.Fatalf("ClientIP = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNewReportsEveryBadEntry(t *testing.T) {
	_, err := clientip.New([]string{"10.0.0.0/8", "10.0.0.0/33", "not-an-ip", "::ffff:10.0.0.0/104"})
	if !errors.Is(err, clientip.ErrBadProxy) {
		t.Fatalf("err = %v", err)
	}
	var n int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		if errors.Is(e, clientip.ErrBadProxy) {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d errors reported, want 3: %v", n, err)
	}
}

func TestZeroResolverTrustsNobody(t *testing.T) {
	var res *clientip.Resolver
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:1"
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	if got := res.ClientIP(r); got != netip.MustParseAddr("10.0.0.1") {
		t.Fatalf("got %s", got)
	}
}

func TestHandlerSetsInfo(t *testing.T) {
	res, _ := clientip.New(nil)
	var got netip.Addr
	h := res.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = rampart.InfoFrom(r.Context()).ClientIP
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "198.51.100.2:9"
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got.String() != "198.51.100.2" {
		t.Fatalf("got %s", got)
	}
}

func FuzzClientIP(f *testing.F) {
	res, _ := clientip.New([]string{"10.0.0.0/8", "fd00::/8"})
	for _, s := range []string{"1.2.3.4", "oh, hi,,127.0.0.1,,,,", "[::1]:80, 10.0.0.1", "::ffff:1.2.3.4", ",,,", "1.2.3.4:99999"} {
		f.Add("10.0.0.1:80", s)
		f.Add("203.0.113.1:80", s)
	}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {xff}}}
		got := res.ClientIP(r)
		peer := clientip.Peer(r)
		if !res.Trusted(peer) && got != peer {
			t.Fatalf("untrusted peer %v: got %v", peer, got)
		}
		if got.IsValid() && (got.Is4In6() || got.Zone() != "") {
			t.Fatalf("not canonical: %v", got)
		}
	})
}

func TestFrom(t *testing.T) {
	for _, tt := range []struct {
		name, remote, xff string
		info              string // Info.ClientIP set by an earlier step; "" for none
		want              string // "" for the zero Addr
	}{
		{name: "peer without Info", remote: "198.51.100.2:9", want: "198.51.100.2"},
		{name: "forged X-Forwarded-For without Info", remote: "198.51.100.2:9", xff: "203.0.113.9", want: "198.51.100.2"},
		{name: "Info wins over the peer", remote: "10.0.0.1:9", info: "203.0.113.9", want: "203.0.113.9"},
		{name: "mapped Info is unmapped", remote: "10.0.0.1:9", info: "::ffff:203.0.113.9", want: "203.0.113.9"},
		{name: "mapped peer is unmapped", remote: "[::ffff:198.51.100.2]:9", want: "198.51.100.2"},
		{name: "zone is dropped", remote: "[fe80::1%eth0]:9", want: "fe80::1"},
		{name: "unparsable peer", remote: "@unix", want: ""},
		{name: "invalid Info falls back to the peer", remote: "198.51.100.2:9", info: "invalid", want: "198.51.100.2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.info != "" {
				var info *rampart.Info
				r, info = rampart.WithInfo(r)
				info.ClientIP, _ = netip.ParseAddr(tt.info)
			}
			got := clientip.From(r)
			if tt.want == "" {
				if got.IsValid() {
					t.Fatalf("From = %s, want the zero Addr", got)
				}
				return
			}
			if got.String() != tt.want {
				t.Fatalf("From = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestGroup(t *testing.T) {
	for _, tt := range []struct {
		name, remote, info, want string
	}{
		{"IPv4 is kept whole", "198.51.100.2:9", "", "198.51.100.2"},
		{"IPv6 is its /64", "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:9", "", "2001:db8:1:2::"},
		{"two addresses of one /64 are one client", "10.0.0.1:9", "2001:db8:1:2::ffff", "2001:db8:1:2::"},
		{"mapped IPv4 is IPv4, not a /64", "[::ffff:198.51.100.2]:9", "", "198.51.100.2"},
		{"zone dropped before masking", "[fe80::1:2:3:4%eth0]:9", "", "fe80::"},
		{"forged X-Forwarded-For ignored", "198.51.100.2:9", "", "198.51.100.2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			r.Header.Set("X-Forwarded-For", "2001:db8:ffff::1")
			if tt.info != "" {
				var info *rampart.Info
				r, info = rampart.WithInfo(r)
				info.ClientIP = netip.MustParseAddr(tt.info)
			}
			if got := clientip.Group(r); got.String() != tt.want {
				t.Fatalf("Group = %s, want %s", got, tt.want)
			}
		})
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "@unix"
	if got := clientip.Group(r); got.IsValid() {
		t.Fatalf("Group of an unknown peer = %s, want the zero Addr", got)
	}
}

func TestResolverFrom(t *testing.T) {
	res, err := clientip.New([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	forwarded := func() *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.1.2.3:4000"
		r.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.9")
		return r
	}
	stored := func() *http.Request {
		r, info := rampart.WithInfo(forwarded())
		info.ClientIP = netip.MustParseAddr("::ffff:198.51.100.7")
		return r
	}
	for _, tt := range []struct {
		name string
		res  *clientip.Resolver
		r    *http.Request
		want string
	}{
		{"resolved when nothing stored", res, forwarded(), "203.0.113.9"},
		{"nil resolver trusts no forwarding header", nil, forwarded(), "10.1.2.3"},
		{"stored address wins, unmapped", res, stored(), "198.51.100.7"},
		{"stored address wins over a nil resolver", nil, stored(), "198.51.100.7"},
	} {
		if got := tt.res.From(tt.r); got.String() != tt.want {
			t.Errorf("%s: From = %v, want %s", tt.name, got, tt.want)
		}
		// The same with the Info handed over instead of looked up.
		info := rampart.InfoFrom(tt.r.Context())
		if got := tt.res.FromWithInfo(tt.r, info, clientip.PeerWithInfo(tt.r, info)); got.String() != tt.want {
			t.Errorf("%s: FromWithInfo = %v, want %s", tt.name, got, tt.want)
		}
		if got, want := clientip.PeerWithInfo(tt.r, info), clientip.Peer(tt.r); got != want {
			t.Errorf("%s: PeerWithInfo = %v, Peer = %v", tt.name, got, want)
		}
	}
	// The Info handed over is the one read, whatever the context holds.
	r, info := rampart.WithInfo(forwarded())
	info.Peer, info.ClientIP = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	other := &rampart.Info{Peer: netip.MustParseAddr("192.0.2.3"), ClientIP: netip.MustParseAddr("192.0.2.4")}
	if got := clientip.PeerWithInfo(r, other); got != other.Peer {
		t.Errorf("PeerWithInfo read %v, not the Info handed over", got)
	}
	if got := res.FromWithInfo(r, other, other.Peer); got != other.ClientIP {
		t.Errorf("FromWithInfo read %v, not the Info handed over", got)
	}
	if r := forwarded(); res.FromWithInfo(r, nil, clientip.Peer(r)).String() != "203.0.113.9" {
		t.Error("FromWithInfo without an Info did not resolve 203.0.113.9")
	}
	if got := clientip.From(forwarded()); got.String() != "10.1.2.3" {
		t.Errorf("package From trusted a forwarding header: %v", got)
	}
}

func TestResolve(t *testing.T) {
	res, err := clientip.New([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[::ffff:10.1.2.3]:9"
	r.Header.Set("X-Forwarded-For", "198.51.100.2")
	r, info := rampart.WithInfo(r)
	res.Resolve(r, info)
	if info.Peer != netip.MustParseAddr("10.1.2.3") || info.ClientIP != netip.MustParseAddr("198.51.100.2") {
		t.Fatalf("peer %v client %v", info.Peer, info.ClientIP)
	}
	// Later readers take the peer from the Info, not RemoteAddr.
	r.RemoteAddr = "203.0.113.1:9"
	if got := clientip.Peer(r); got != info.Peer {
		t.Fatalf("Peer = %v, want %v", got, info.Peer)
	}
	if got := res.ClientIP(r); got != info.ClientIP {
		t.Fatalf("ClientIP = %v, want %v", got, info.ClientIP)
	}
	// Without an Info, RemoteAddr is parsed.
	plain := httptest.NewRequest("GET", "/", nil)
	plain.RemoteAddr = "203.0.113.1:9"
	if got := clientip.Peer(plain); got != netip.MustParseAddr("203.0.113.1") {
		t.Fatalf("Peer without Info = %v", got)
	}
}

// On a server with ConnContext the peer comes from the connection: what a
// handler makes of RemoteAddr before Resolve does not change it, and it is
// the address RemoteAddr names.
func TestConnContext(t *testing.T) {
	res, err := clientip.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	type seen struct{ peer, parsed netip.Addr }
	got := make(chan seen, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		parsed := clientip.Peer(r)
		r.RemoteAddr = "203.0.113.9:1"
		r, info := rampart.WithInfo(r)
		res.Resolve(r, info)
		got <- seen{info.Peer, parsed}
	}))
	srv.Config.ConnContext = clientip.ConnContext
	srv.Start()
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	if !s.peer.IsValid() || s.peer != s.parsed || s.peer.Is4In6() {
		t.Fatalf("peer from the connection %v, RemoteAddr gave %v", s.peer, s.parsed)
	}
	// Without the hook, RemoteAddr is parsed.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "203.0.113.9:1"
	r, info := rampart.WithInfo(r)
	res.Resolve(r, info)
	if info.Peer != netip.MustParseAddr("203.0.113.9") {
		t.Fatalf("peer %v", info.Peer)
	}
}
