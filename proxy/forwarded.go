package proxy

import (
	"net/http"
	"net/netip"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// spoofable are request headers through which frameworks and middlewares
// learn the client address, the original URL or host, or the path prefix
// a proxy removed (chi's RealIP reads True-Client-IP first; Symfony and
// Laminas route on X-Original-URL and X-Rewrite-URL; Spring and Rails
// build links from X-Forwarded-Prefix and X-Forwarded-Port). Client copies
// of all of them, and of every X-Forwarded-* header, are removed before
// the gateway sets its own: only the gateway speaks for the client
// address. Names are compared in lower case with '_' read as '-', because
// CGI-style servers (WSGI, Rack, PHP) map both to the same variable.
var spoofable = map[string]bool{
	"forwarded":                true,
	"x-forwarded":              true,
	"x-real-ip":                true,
	"true-client-ip":           true,
	"x-client-ip":              true,
	"client-ip":                true,
	"cf-connecting-ip":         true,
	"fastly-client-ip":         true,
	"x-cluster-client-ip":      true,
	"x-original-url":           true,
	"x-rewrite-url":            true,
	"x-original-host":          true,
	"x-original-forwarded-for": true,
	"x-host":                   true,
	"x-http-host-override":     true,
	"x-proxyuser-ip":           true,
	"x-originating-ip":         true,
	"x-remote-ip":              true,
	"x-remote-addr":            true,
	"x-envoy-external-address": true,
}

// IsForwardingHeader reports whether name is a header the proxy removes
// from every client request because it speaks for the client's address,
// URL, host, scheme, port or path prefix (see the list in this package).
func IsForwardingHeader(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	return spoofable[n] || strings.HasPrefix(n, "x-forwarded-")
}

// stripForwarding deletes every forwarding header from h.
func stripForwarding(h http.Header) {
	for k := range h {
		if IsForwardingHeader(k) {
			delete(h, k)
		}
	}
}

// forwardedElement renders one RFC 7239 element for client, host and
// proto. An IPv6 address is quoted and bracketed (section 6); host, which
// [validHost] has checked, is quoted when it is not a token.
func forwardedElement(client netip.Addr, host, proto string) string {
	var b strings.Builder
	if client.IsValid() {
		b.WriteString("for=")
		if client.Is6() {
			b.WriteString(`"[` + client.String() + `]"`)
		} else {
			b.WriteString(client.String())
		}
		b.WriteByte(';')
	}
	if host != "" {
		b.WriteString("host=")
		if httpguts.ValidHeaderFieldName(host) { // an RFC 9110 token, the grammar of a field name
			b.WriteString(host)
		} else {
			b.WriteString(`"` + strings.ReplaceAll(host, `"`, `\"`) + `"`)
		}
		b.WriteByte(';')
	}
	b.WriteString("proto=" + proto)
	return b.String()
}
