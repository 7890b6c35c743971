package scan

import (
	"context"
	"net/http"
	"slices"
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
		case acao == "*":
			r.corsWildcard(ctx, op, ev)
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

// corsWildcard reports Access-Control-Allow-Origin: *: low on public
// data, medium when an authenticated answer carrying the caller's own data
// is also readable by any origin.
func (r *run) corsWildcard(ctx context.Context, op string, ev Evidence) {
	sev, detail := Low, "Access-Control-Allow-Origin: * lets any web page read the answer."
	if t := r.auth.target; t != nil {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: t.path, Op: t.op.String(), As: t.id, Header: http.Header{"Origin": {evilOrigin}}})
		if err == nil && ex.ok() && ex.Header.Get("Access-Control-Allow-Origin") == "*" && carriesMarks(ex.Body, t.id) {
			sev, detail = Medium, "Access-Control-Allow-Origin: * is sent on answers carrying the caller's own data; any web page holding a token (or a header-less session) can read them."
			op = t.op.String()
			ev = r.evidence(ex)
			ev.Response = headerExcerpt(ex.Header)
		}
	}
	r.record(CheckCORSWildcard, "(any origin)", op, detail, ev, sev)
}

// carriesMarks reports whether body holds one of id's own ids.
func carriesMarks(body []byte, id *Identity) bool {
	var vals []string
	idValues(decodeJSON(body), 0, &vals)
	for _, v := range vals {
		if slices.Contains(id.marks(), v) {
			return true
		}
	}
	return false
}
