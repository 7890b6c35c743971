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
	// Every name above and the x-forwarded- prefix start with c, f, t or
	// x: most of a request's headers are answered by their first byte,
	// before the name is folded and looked up. (c|0x20 lowers an ASCII
	// letter and maps no other byte to a lower-case letter.)
	if name == "" {
		return false
	}
	switch name[0] | 0x20 {
	case 'c', 'f', 't', 'x':
	default:
		return false
	}
	var buf [64]byte
	if len(name) > len(buf) {
		return isForwardingName(strings.ReplaceAll(strings.ToLower(name), "_", "-"))
	}
	n := buf[:len(name)]
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '_':
			c = '-'
		}
		n[i] = c
	}
	// The compiler neither copies nor allocates string(n) in a map index
	// or a comparison.
	return spoofable[string(n)] || len(n) >= len(forwardedPrefix) && string(n[:len(forwardedPrefix)]) == forwardedPrefix
}

const forwardedPrefix = "x-forwarded-"

func isForwardingName(n string) bool {
	return spoofable[n] || strings.HasPrefix(n, forwardedPrefix)
}

// stripForwarding deletes every forwarding header from h, and every
// header for which also, when not nil, holds.
func stripForwarding(h http.Header, also func(string) bool) {
	for k := range h {
		if IsForwardingHeader(k) || also != nil && also(k) {
			delete(h, k)
		}
	}
}

// appendForwarded appends one RFC 7239 element for client (whose text
// form is clientText), host and proto. An IPv6 address is quoted and
// bracketed (section 6); host, which [validHost] has checked, is quoted
// when it is not a token.
func appendForwarded(b []byte, client netip.Addr, clientText []byte, host, proto string) []byte {
	if client.IsValid() {
		b = append(b, "for="...)
		if client.Is6() {
			b = append(b, `"[`...)
			b = append(b, clientText...)
			b = append(b, `]"`...)
		} else {
			b = append(b, clientText...)
		}
		b = append(b, ';')
	}
	if host != "" {
		b = append(b, "host="...)
		if httpguts.ValidHeaderFieldName(host) { // an RFC 9110 token, the grammar of a field name
			b = append(b, host...)
		} else {
			b = append(b, '"')
			for i := 0; i < len(host); i++ {
				if host[i] == '"' {
					b = append(b, '\\')
				}
				b = append(b, host[i])
			}
			b = append(b, '"')
		}
		b = append(b, ';')
	}
	b = append(b, "proto="...)
	return append(b, proto...)
}
