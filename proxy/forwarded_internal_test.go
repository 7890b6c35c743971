package proxy

import (
	"net/textproto"
	"strings"
	"testing"
)

// TestIsForwardingHeaderEveryName checks every listed name in the forms a
// request may carry it: lower case, canonical, upper case and with
// underscores, so that the first-byte shortcut rejects none of them.
func TestIsForwardingHeaderEveryName(t *testing.T) {
	names := []string{forwardedPrefix + "for", forwardedPrefix + "prefix"}
	for n := range spoofable {
		names = append(names, n)
	}
	for _, n := range names {
		for _, form := range []string{n, textproto.CanonicalMIMEHeaderKey(n), strings.ToUpper(n), strings.ReplaceAll(n, "-", "_")} {
			if !IsForwardingHeader(form) {
				t.Errorf("%q not a forwarding header", form)
			}
		}
	}
	for _, n := range []string{"", "X-Request-Id", "Content-Type", "Accept", "Cf-Ray", "Xforwarded-For", "_x-forwarded-for", "\x78-Real-Ip-2"} {
		if IsForwardingHeader(n) {
			t.Errorf("%q taken for a forwarding header", n)
		}
	}
}
