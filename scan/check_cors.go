package scan

import (
	"context"
	"net/http"
	"strings"
)

const evilOrigin = "https://rampart-scan.invalid"

// checkCORS sends an arbitrary origin, the null origin and a preflight for
// a made-up method.
func (r *run) checkCORS(ctx context.Context) {
	p, op := r.pagePath()
	if ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: op, Header: http.Header{"Origin": {evilOrigin}}}); err == nil {
		acao := ex.Header.Get("Access-Control-Allow-Origin")
		creds := strings.EqualFold(ex.Header.Get("Access-Control-Allow-Credentials"), "true")
		ev := r.evidence(ex)
		ev.Response = headerExcerpt(ex.Header)
		switch {
		case acao == evilOrigin:
			d := "Any origin is echoed back in Access-Control-Allow-Origin"
			if creds {
				d += ", with credentials: any web page can read this API as the logged-in user"
			}
			r.add(CheckCORSReflect, op, d+".", ev)
		case acao == "*" && creds:
			r.add(CheckCORSWildcardCreds, op, "Access-Control-Allow-Origin: * is sent together with Access-Control-Allow-Credentials: true.", ev)
		}
	}
	if ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: op, Header: http.Header{"Origin": {"null"}}}); err == nil {
		if ex.Header.Get("Access-Control-Allow-Origin") == "null" {
			ev := r.evidence(ex)
			ev.Response = headerExcerpt(ex.Header)
			r.add(CheckCORSNull, op, "The null origin (sandboxed iframes, file: pages) is allowed.", ev)
		}
	}
	pre := &probe{Method: http.MethodOptions, Path: p, Op: "OPTIONS " + strings.TrimPrefix(op, "GET "), Header: http.Header{
		"Origin": {evilOrigin}, "Access-Control-Request-Method": {"RAMPARTSCAN"}}}
	if ex, err := r.send(ctx, pre); err == nil && ex.Status < 400 {
		acam := ex.Header.Get("Access-Control-Allow-Methods")
		acao := ex.Header.Get("Access-Control-Allow-Origin")
		if acao != "" && (strings.Contains(acam, "RAMPARTSCAN") || strings.TrimSpace(acam) == "*") {
			ev := r.evidence(ex)
			ev.Response = headerExcerpt(ex.Header)
			r.add(CheckCORSAnyMethod, pre.Op, "A preflight for a made-up method is allowed: "+acam+".", ev)
		}
	}
}
