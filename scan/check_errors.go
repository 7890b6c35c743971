package scan

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
)

var (
	stackRe  = regexp.MustCompile(`(?m)(^\s*at [\w$.<>\[\] ]+ \(.*:\d+:\d+\)|^\s*at .*\.[cm]?js:\d+:\d+|goroutine \d+ \[running\]|Traceback \(most recent call last\)|\.java:\d+\)|\.cs:line \d+|\.py", line \d+|\.rb:\d+:in |\.php on line \d+)`)
	sqlRe    = regexp.MustCompile(`(?i)(you have an error in your sql syntax|SQLITE_ERROR|sqlite3\.OperationalError|SQLSTATE\[|ORA-\d{5}|PG::\w+Error|\bpq: |unterminated quoted string|syntax error at or near|SequelizeDatabaseError|MongoServerError|MongoError|CastError: Cast to|PrismaClient\w*Error|ER_PARSE_ERROR|ODBC SQL Server Driver|near "[^"]*": syntax error|unrecognized token:)`)
	bannerRe = regexp.MustCompile(`(?i)(<pre>Cannot (GET|POST|PUT|PATCH|DELETE|RAMPARTSCAN) /|Whitelabel Error Page|Werkzeug Debugger|Django Version:|Apache Tomcat/\d|<address>Apache/\d|<hr><center>nginx/\d)`)
)

// observe inspects every response for leaks, whatever probe caused it.
func (r *run) observe(ex *exchange) {
	if r.fams["errors"] {
		r.observeErrors(ex)
	}
	if r.fams["exposure"] {
		r.observeExposure(ex)
	}
}

func (r *run) observeErrors(ex *exchange) {
	op := ex.probe.Op
	if stackRe.Match(ex.Body) {
		r.add(CheckErrorsStack, op, "The response carries a stack trace, naming files and code paths.", r.evidence(ex))
	}
	if sqlRe.Match(ex.Body) {
		r.add(CheckErrorsSQL, op, "The response carries a database error message.", r.evidence(ex))
	}
	if bannerRe.Match(ex.Body) {
		// One default error page answers every unknown path: once is enough.
		r.addOnce(CheckErrorsBanner, op, "The error page is the framework's default and names it.", r.evidence(ex))
	}
	if ex.probe.malformed && ex.Status >= 500 {
		r.add(CheckErrors5xx, op, "Malformed input got a "+strconv.Itoa(ex.Status)+" instead of a 4xx refusal.", r.evidence(ex))
	}
}

// checkErrors sends malformed input: bad JSON to writes (harmless: no
// parser accepts it), wrong types and huge numbers in path parameters, and
// a made-up method.
func (r *run) checkErrors(ctx context.Context) {
	n := 0
	for _, o := range r.ops {
		if n >= 12 {
			return
		}
		switch {
		case o.Method == http.MethodPost || o.Method == http.MethodPut || o.Method == http.MethodPatch:
			if len(o.Params) > 0 && len(o.sampleIDs()) == 0 {
				continue
			}
			p := malformedJSON(o.Method, r.concrete(o), o.String())
			if _, err := r.send(ctx, p); err != nil && r.stop(err) {
				return
			}
			n++
		case o.Method == http.MethodGet && len(o.Params) > 0:
			for _, v := range []string{`rampart'"<>`, "99999999999999999999999999999", "-1.5e309"} {
				p := &probe{Method: http.MethodGet, Path: o.fill(v), Op: o.String(), Auth: r.anyAuth(), malformed: true}
				if _, err := r.send(ctx, p); err != nil && r.stop(err) {
					return
				}
			}
			n++
		case o.Method == http.MethodGet && n < 3:
			p := &probe{Method: "RAMPARTSCAN", Path: o.Path, Op: "RAMPARTSCAN " + o.Path, malformed: true}
			if _, err := r.send(ctx, p); err != nil && r.stop(err) {
				return
			}
			n++
		}
	}
}

// concrete is the operation's path with a sample id, or "1".
func (r *run) concrete(o *Operation) string {
	if len(o.Params) == 0 {
		return o.Path
	}
	if s := o.sampleIDs(); len(s) > 0 {
		return o.fill(s[0])
	}
	return o.fill("1")
}
