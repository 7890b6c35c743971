// Package proxy forwards requests to one upstream with
// httputil.ReverseProxy and its Rewrite hook, and makes sure nothing the
// upstream says can leak internals or weaken the gateway's policy.
//
// On the way out it sets X-Forwarded-For/-Proto/-Host itself (client copies
// are believed only from trusted proxies), refuses protocol upgrades, and
// lets hooks add identity headers. On the way back it removes headers that
// name the server software, the upstream's own CORS and security headers,
// and replaces every 5xx body with a generic problem document; the
// original status and a bounded excerpt go to the server log, tied by
// request id. An unreachable upstream is a 502, a timeout a 504.
//
// The [Proxy.ServeHTTP] example shows an upstream stack trace replaced by a
// generic problem.
package proxy
