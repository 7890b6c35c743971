package scan

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart-api/rampart/internal/lazyregexp"
)

var versionRe = lazyregexp.New(`\d+\.\d+|/\d`)

// pagePath is a path worth asking for headers and CORS: the first listed
// GET operation without parameters, else the root.
func (r *run) pagePath() (path, op string) {
	for _, o := range r.ops {
		if o.Method == http.MethodGet && len(o.Params) == 0 && o.Path != "/" {
			return o.Path, o.String()
		}
	}
	return "/", "GET /"
}

// checkHeaders looks for the helmet set of response headers, HSTS on
// HTTPS, and software versions in Server and X-Powered-By.
func (r *run) checkHeaders(ctx context.Context) {
	p, op := r.pagePath()
	ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: op})
	if err != nil {
		return
	}
	h := ex.Header
	ev := r.evidence(ex)
	ev.Response = headerExcerpt(h)
	var missing []string
	if !strings.EqualFold(strings.TrimSpace(h.Get("X-Content-Type-Options")), "nosniff") {
		missing = append(missing, "X-Content-Type-Options: nosniff")
	}
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		missing = append(missing, "Content-Security-Policy")
	}
	if h.Get("X-Frame-Options") == "" && !strings.Contains(csp, "frame-ancestors") {
		missing = append(missing, "X-Frame-Options")
	}
	if h.Get("Referrer-Policy") == "" {
		missing = append(missing, "Referrer-Policy")
	}
	if h.Get("Cross-Origin-Opener-Policy") == "" {
		missing = append(missing, "Cross-Origin-Opener-Policy")
	}
	if r.c.origin.Scheme == "https" && h.Get("Strict-Transport-Security") == "" {
		missing = append(missing, "Strict-Transport-Security")
	}
	if len(missing) > 0 {
		r.add(CheckHeadersMissing, op, "Missing: "+strings.Join(missing, ", ")+".", ev)
	}
	var weak []string
	if v := h.Get("X-XSS-Protection"); v != "" && strings.TrimSpace(v) != "0" {
		weak = append(weak, "X-XSS-Protection: "+v+" (the filter is itself an attack surface; send 0)")
	}
	if v := strings.TrimSpace(h.Get("X-Frame-Options")); v != "" && !strings.EqualFold(v, "DENY") && !strings.EqualFold(v, "SAMEORIGIN") {
		// ALLOWALL, ALLOW-FROM and typos are ignored by browsers: the page
		// can be framed as if the header were missing.
		weak = append(weak, "X-Frame-Options: "+v+" (not DENY or SAMEORIGIN, so browsers ignore it)")
	}
	if v := h.Get("Strict-Transport-Security"); v != "" && hstsMaxAge(v) < 15552000 {
		weak = append(weak, "Strict-Transport-Security max-age under 180 days")
	}
	if len(weak) > 0 {
		r.add(CheckHeadersWeak, op, strings.Join(weak, "; ")+".", ev)
	}
	var disc []string
	if v := h.Get("X-Powered-By"); v != "" {
		disc = append(disc, "X-Powered-By: "+v)
	}
	if v := h.Get("Server"); v != "" && versionRe.MatchString(v) {
		disc = append(disc, "Server: "+v)
	}
	if len(disc) > 0 {
		r.add(CheckHeadersDisclosure, op, "The response names its software: "+strings.Join(disc, ", ")+".", ev)
	}
}

func hstsMaxAge(v string) int {
	for part := range strings.SplitSeq(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		if strings.EqualFold(k, "max-age") {
			n, err := strconv.Atoi(strings.Trim(val, `" `))
			if err == nil {
				return n
			}
		}
	}
	return 0
}

// headerExcerpt lists the security-relevant response headers received.
func headerExcerpt(h http.Header) string {
	var b []string
	for _, k := range []string{"Server", "X-Powered-By", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
		"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Strict-Transport-Security", "X-XSS-Protection"} {
		if v := h.Get(k); v != "" {
			b = append(b, k+": "+v)
		}
	}
	if len(b) == 0 {
		return "(no security headers)"
	}
	return excerpt([]byte(strings.Join(b, "; ")))
}
