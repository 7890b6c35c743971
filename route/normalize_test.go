package route_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/route"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, decoded, canonical string
		err                    error
	}{
		{"/", "/", "/", nil},
		{"/api/items/7", "/api/items/7", "/api/items/7", nil},
		{"/api/items/", "/api/items/", "/api/items/", nil},
		{"//admin", "/admin", "/admin", nil},
		{"/api//items///7", "/api/items/7", "/api/items/7", nil},
		{"/admin/../admin", "/admin", "/admin", nil},
		{"/public/../admin", "/admin", "/admin", nil},
		{"/public/%2e%2e/admin", "/admin", "/admin", nil},
		{"/public/%2E%2E/admin", "/admin", "/admin", nil},
		{"/public/.%2e/admin", "/admin", "/admin", nil},
		{"/./admin/.", "/admin/", "/admin/", nil},
		{"/admin/./", "/admin/", "/admin/", nil},
		{"/a/b/..", "/a/", "/a/", nil},
		{"/%61dmin", "/admin", "/admin", nil},
		{"/.env", "/.env", "/.env", nil},
		{"/name/O'Brien", "/name/O'Brien", "/name/O%27Brien", nil},
		{"/name/caf%C3%A9", "/name/café", "/name/caf%C3%A9", nil},
		{"/q/a%20b", "/q/a b", "/q/a%20b", nil},
		{"/pct/%2525", "/pct/%25", "/pct/%2525", nil},
		{"/files/a%2fb", "", "", route.ErrEncodedSeparator},
		{"/files/a%2Fb", "", "", route.ErrEncodedSeparator},
		{"/files/..%2fadmin", "", "", route.ErrEncodedSeparator},
		{"/files/a%5cb", "", "", route.ErrEncodedSeparator},
		{"/files/a\\b", "", "", route.ErrBackslash},
		{"/admin;jsessionid=1", "", "", route.ErrSemicolon},
		{"/admin%3bx", "", "", route.ErrSemicolon},
		{"/admin%00.json", "", "", route.ErrControl},
		{"/admin%0d%0aX-Injected:1", "", "", route.ErrControl},
		{"/bad%zz", "", "", route.ErrBadPath},
		{"/bad%c3%28", "", "", route.ErrBadPath},
		{"/..", "", "", route.ErrAboveRoot},
		{"/../etc/passwd", "", "", route.ErrAboveRoot},
		{"/%2e%2e/etc/passwd", "", "", route.ErrAboveRoot},
		{"admin", "", "", route.ErrBadPath},
		{"", "", "", route.ErrBadPath},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, c, err := route.Normalize(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if d != tt.decoded || c != tt.canonical {
				t.Fatalf("got (%q, %q), want (%q, %q)", d, c, tt.decoded, tt.canonical)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"/", "//admin", "/a/../b", "/%2e%2e/x", "/a%2fb", "/a;b", "/caf%C3%A9/", "/./.././"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, c, err := route.Normalize(in)
		if err != nil {
			return
		}
		// The canonical form is a fixed point and decodes to d.
		d2, c2, err := route.Normalize(c)
		if err != nil || d2 != d || c2 != c {
			t.Fatalf("Normalize(%q) = %q, %q; again = %q, %q, %v", in, d, c, d2, c2, err)
		}
		if strings.Contains(d, "//") || strings.Contains(d, "/../") || strings.HasSuffix(d, "/..") || strings.Contains(d, "/./") {
			t.Fatalf("Normalize(%q) left %q", in, d)
		}
		if strings.ContainsAny(d, "\\;\x00") {
			t.Fatalf("Normalize(%q) let through %q", in, d)
		}
	})
}
