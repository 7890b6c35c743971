package ratelimit_test

import (
	"errors"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/ratelimit"
)

func TestKeys(t *testing.T) {
	principal := &rampart.Principal{Subject: "alice", Claims: map[string]any{"tenant": "acme", "org": 42.0, "roles": []any{"x"}}}
	tests := []struct {
		name     string
		spec     string
		clientIP string
		remote   string
		header   map[string]string
		p        *rampart.Principal
		want     string
		wantOK   bool
	}{
		{"ip from trusted Info", "ip", "203.0.113.7", "10.0.0.1:1234", nil, nil, "ip:203.0.113.7", true},
		{"X-Forwarded-For from an untrusted peer is ignored", "ip", "", "198.51.100.9:5555", map[string]string{"X-Forwarded-For": "1.2.3.4"}, nil, "ip:198.51.100.9", true},
		{"IPv6 grouped by /64", "ip", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "", nil, nil, "ip:2001:db8:1:2::", true},
		{"IPv6 neighbour in the same /64 shares the key", "ip", "2001:db8:1:2::1", "", nil, nil, "ip:2001:db8:1:2::", true},
		{"IPv4-mapped IPv6 is IPv4", "ip", "::ffff:203.0.113.7", "", nil, nil, "ip:203.0.113.7", true},
		{"IPv6 peer with zone", "ip", "", "[fe80::1%eth0]:80", nil, nil, "ip:fe80::", true},
		{"garbage peer", "ip", "", "oh, hi,,127.0.0.1", nil, nil, "ip:unknown", true},
		{"subject", "subject", "", "", nil, principal, "s:alice", true},
		{"no principal", "subject", "", "", nil, nil, "", false},
		{"claim string", "claim:tenant", "", "", nil, principal, "c:tenant:acme", true},
		{"claim number", "claim:org", "", "", nil, principal, "c:org:42", true},
		{"claim of another type is absent", "claim:roles", "", "", nil, principal, "", false},
		{"header is hashed", "header:X-Tenant", "", "", map[string]string{"X-Tenant": "acme"}, nil, "h:", true},
		{"missing header", "header:X-Tenant", "", "", nil, nil, "", false},
		{"api key never appears", "apikey", "", "", map[string]string{"X-API-Key": "sk_live_secret"}, nil, "k:", true},
		{"api key from another header", "apikey:Api-Key", "", "", map[string]string{"Api-Key": "sk_live_secret"}, nil, "k:", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ratelimit.ParseKey(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if tt.clientIP != "" || tt.p != nil {
				var info *rampart.Info
				r, info = rampart.WithInfo(r)
				if tt.clientIP != "" {
					info.ClientIP = netip.MustParseAddr(tt.clientIP)
				}
				info.Principal = tt.p
			}
			got, ok := f(nil, r)
			if ok != tt.wantOK || !strings.HasPrefix(string(got), tt.want) {
				t.Fatalf("key = %q, %v; want prefix %q, %v", got, ok, tt.want, tt.wantOK)
			}
			for _, v := range tt.header {
				if strings.Contains(string(got), v) {
					t.Fatalf("key %q contains the raw header value", got)
				}
			}
		})
	}
}

func TestParseKeyRefusesMalformed(t *testing.T) {
	for _, spec := range []string{"", "ip:x", "subject:x", "claim:", "header:", "header:X Y", "apikey:", "cookie:sid", "IP"} {
		_, err := ratelimit.ParseKey(spec)
		var ke *ratelimit.KeyError
		if !errors.As(err, &ke) {
			t.Errorf("ParseKey(%q) = %v, want *KeyError", spec, err)
		}
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"ip", "subject", "claim:tenant", "apikey", "apikey:Api-Key", "header:X-Tenant", "header:", "claim:", "ip:x", "\x00"} {
		f.Add(s, "value")
	}
	f.Fuzz(func(t *testing.T, spec, value string) {
		k, err := ratelimit.ParseKey(spec)
		if err != nil {
			return
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Api-Key", value)
		r, info := rampart.WithInfo(r)
		info.Principal = &rampart.Principal{Subject: value, Claims: map[string]any{"tenant": value}}
		got, _ := k(nil, r)
		if len(got) > 128 {
			t.Fatalf("key of %d bytes for spec %q", len(got), spec)
		}
	})
}
