package scan

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart-api/rampart/internal/lazyregexp"
)

var (
	// stackRe matches stack traces of Node/Express (plain, in HTML error
	// pages and JSON-escaped), Java, Python, Go, .NET, PHP and Ruby.
	stackRe = lazyregexp.New(`(?m)(^\s*at [\w$.<>\[\] ]+ \(.*:\d+:\d+\)|^\s*at .*\.[cm]?js:\d+:\d+` +
		`|(<br>|&nbsp;|<li>)\s*(&nbsp;\s*)*at [^<]*\.[cm]?[jt]s:\d+:\d+` +
		`|\\n\s*at [^"\\]*(\.[cm]?[jt]s|<anonymous>|node:[\w/]+):\d+(:\d+)?` +
		`|goroutine \d+ \[running\]|\.go:\d+ \+0x[0-9a-f]+` +
		`|Traceback \(most recent call last\)|File &quot;[^&]+\.py&quot;, line \d+|\.py", line \d+` +
		`|\tat [\w$.]+\([\w$]+\.java:\d+\)|\.java:\d+\)|^Exception in thread "` +
		`|\.cs:line \d+|^\s*at [\w.]+\([^)]*\) in .+:line \d+` +
		`|\.php on line \d+|#\d+ [^\n]*\.php\(\d+\)|Stack trace:\s*(<br />)?\s*#0 ` +
		"|\\.rb:\\d+:in [`'])")
	sqlRe = lazyregexp.New(`(?i)(you have an error in your sql syntax|SQLITE_ERROR|SqliteError|sqlite3\.OperationalError|SQLSTATE\[|ORA-\d{5}|PG::\w+Error|\bpq: |unterminated quoted string|syntax error at or near|SequelizeDatabaseError|MongoServerError|MongoError|CastError: Cast to|PrismaClient\w*Error|ER_PARSE_ERROR|ODBC SQL Server Driver|near (?:"|\\"|&quot;|&#34;).{0,40}?(?:"|\\"|&quot;|&#34;): syntax error|unrecognized token:|invalid input syntax for (type )?\w+|psycopg2\.\w+|org\.postgresql\.util\.PSQLException|java\.sql\.SQLException|Unclosed quotation mark after the character string)`)
	// bannerRe matches framework default error pages and versions named
	// in error pages.
	bannerRe = lazyregexp.New(`(?i)(<pre>Cannot (GET|POST|PUT|PATCH|DELETE|OPTIONS|RAMPARTSCAN) /|Whitelabel Error Page|Werkzeug Debugger|Django Version:|Apache Tomcat/\d|<address>Apache/\d|<hr><center>nginx/\d` +
		`|\b(Express|Koa|Hapi|Fastify|Flask|Werkzeug|Django|Laravel|Symfony|Spring Boot|Rails|Jetty|Kestrel|Gunicorn|PHP)[ /]v?\^?~?\d+\.\d+|ASP\.NET Version:\s*\d)`)
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

// observeErrors reports leaks in any answer. An answer every absent path
// gets is one root cause, reported once, not once per operation.
func (r *run) observeErrors(ex *exchange) {
	op := ex.probe.Op
	key := rootKey(op)
	if r.base.matches(ex) {
		key = "(every absent path)"
	}
	ev := func() Evidence { return r.evidence(ex) }
	if stackRe.Match(ex.Body) {
		r.record(CheckErrorsStack, key, op, "The response carries a stack trace, naming files and code paths.", ev(), -1)
	}
	if sqlRe.Match(ex.Body) {
		r.record(CheckErrorsSQL, key, op, "The response carries a database error message.", ev(), -1)
	}
	if bannerRe.Match(ex.Body) {
		// One default error page answers every unknown path: once is enough.
		r.addOnce(CheckErrorsBanner, op, "The error page is the framework's default or names the framework's version.", ev())
	}
	if ex.probe.malformed && ex.Status >= 500 {
		// The catch-all's own 500 says nothing about op; a 500 to
		// malformed input on every path is one root cause.
		switch m := r.base.match(ex); {
		case m == nil:
			r.add(CheckErrors5xx, op, "Malformed input got a "+strconv.Itoa(ex.Status)+" instead of a 4xx refusal.", ev())
		case strings.HasSuffix(m.method, "~") && !r.base.plain(m):
			r.record(CheckErrors5xx, "(malformed input on any path)", op, "Malformed input got a "+strconv.Itoa(ex.Status)+" instead of a 4xx refusal, on every path.", ev(), -1)
		}
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
			p.As = r.anyID()
			if _, err := r.send(ctx, p); err != nil && r.stop(err) {
				return
			}
			n++
		case o.Method == http.MethodGet && len(o.Params) > 0:
			for _, v := range []string{`rampart'"<>`, "99999999999999999999999999999", "-1.5e309"} {
				p := &probe{Method: http.MethodGet, Path: o.fill(v), Op: o.String(), As: r.anyID(), malformed: true}
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
