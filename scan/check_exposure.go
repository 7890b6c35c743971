package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/rampart-api/rampart/internal/lazyregexp"
)

var (
	sensitiveKeyRe = lazyregexp.New(`(?i)^(password|passwd|pwd|password_?hash|hashed_?password|pass_?hash|secret|client_?secret|secret_?key|api_?key|private_?key|ssn|card_?number|cc_?number|credit_?card|cvv|cvc|otp_?secret|mfa_?secret|totp_?secret|salt)$`)
	privKeyRe      = lazyregexp.New(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)
)

var (
	listingRe = lazyregexp.New(`(?i)<title>\s*(Index of|Directory listing|listing directory)|<h1>\s*(Index of|Directory listing for) /|<h1>[^<]*~ /|id="files"[^>]*class="view-tiles"|^(<!doctype html>\s*<meta[^>]*>\s*)?<pre>\s*<a href="`)
	docsRe    = lazyregexp.New(`"(openapi|swagger)"\s*:\s*"[23]\.`)
	envRe     = lazyregexp.New(`(?m)"(NODE_ENV|PATH|HOME|DATABASE_URL|DB_PASSWORD|DB_HOST|SECRET_KEY|JWT_SECRET|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|REDIS_URL|MONGO_URI|PORT)"\s*:|^(NODE_ENV|DATABASE_URL|DB_PASSWORD|SECRET_KEY|JWT_SECRET|AWS_SECRET_ACCESS_KEY)=`)
	// notHTML accepts any answer but an HTML page: a backup file is never
	// a page, and a catch-all answering 200 to it is.
	notHTML = lazyregexp.New(`[\x00-\x08]|^[^<]`)
	// docsPathRe matches where APIs serve their own documentation: that
	// is exposure.api-docs, never an undocumented operation.
	docsPathRe = lazyregexp.New(`(?i)/(api-?docs|apispec[\w.-]*|swagger[\w.-]*|openapi[\w.-]*|redoc|docs)(/|$)`)
	pemLinkRe  = lazyregexp.New(`href="([^"?#]+\.(?:pem|pub))"`)
)

// wellKnown are paths that should not be public, each with a signature
// its real content has, so a catch-all page is not mistaken for a leak.
var wellKnown = []struct {
	path  string
	check string
	sig   *lazyregexp.Regexp
	what  string
}{
	{"/.env", CheckExposurePath, lazyregexp.New(`(?m)^[A-Z][A-Z0-9_]*=`), "an environment file"},
	{"/.git/config", CheckExposurePath, lazyregexp.New(`\[core\]`), "the git repository"},
	{"/debug/pprof/", CheckExposurePath, lazyregexp.New(`(?i)profiles|goroutine`), "Go profiling endpoints"},
	{"/debug/vars", CheckExposurePath, lazyregexp.New(`"memstats"|"cmdline"`), "runtime variables"},
	{"/debug", CheckExposurePath, lazyregexp.New(`(?i)"(env|config|memstats|cmdline|heap|goroutines|uptime|version)"`), "a debug endpoint"},
	{"/api/debug", CheckExposurePath, lazyregexp.New(`(?i)"(env|config|memstats|cmdline|heap|goroutines|uptime|version)"`), "a debug endpoint"},
	{"/metrics", CheckExposurePath, lazyregexp.New(`(?m)^# (HELP|TYPE) `), "Prometheus metrics"},
	{"/actuator", CheckExposurePath, lazyregexp.New(`"_links"`), "Spring actuator"},
	{"/actuator/env", CheckExposurePath, lazyregexp.New(`"propertySources"|"activeProfiles"`), "Spring actuator environment"},
	{"/server-status", CheckExposurePath, lazyregexp.New(`Apache Server Status`), "Apache server status"},
	{"/env", CheckExposurePath, envRe, "an environment dump"},
	{"/api/env", CheckExposurePath, envRe, "an environment dump"},
	{"/config", CheckExposurePath, envRe, "a configuration dump"},
	{"/api/config", CheckExposurePath, envRe, "a configuration dump"},
	{"/config.json", CheckExposurePath, envRe, "a configuration file"},
	{"/backup.zip", CheckExposurePath, notHTML, "a backup file"},
	{"/backup.sql", CheckExposurePath, notHTML, "a database backup"},
	{"/dump.sql", CheckExposurePath, notHTML, "a database dump"},
	{"/db.sqlite", CheckExposurePath, notHTML, "a database file"},
	{"/.env.bak", CheckExposurePath, notHTML, "a backup of the environment file"},
	{"/static/", CheckExposureListing, listingRe, "a directory listing"},
	{"/uploads/", CheckExposureListing, listingRe, "a directory listing"},
	{"/ftp/", CheckExposureListing, listingRe, "a directory listing"},
	{"/ftp", CheckExposureListing, listingRe, "a directory listing"},
	{"/files/", CheckExposureListing, listingRe, "a directory listing"},
	{"/backup/", CheckExposureListing, listingRe, "a directory listing"},
	{"/public/", CheckExposureListing, listingRe, "a directory listing"},
	{"/encryptionkeys/", CheckExposureListing, listingRe, "a directory listing"},
	{"/openapi.json", CheckExposureDocs, docsRe, "the API description"},
	{"/swagger.json", CheckExposureDocs, docsRe, "the API description"},
	{"/v3/api-docs", CheckExposureDocs, docsRe, "the API description"},
	{"/v2/api-docs", CheckExposureDocs, docsRe, "the API description"},
	{"/api-docs", CheckExposureDocs, lazyregexp.New(`(?i)swagger-ui|redoc|"(openapi|swagger)"\s*:`), "API documentation"},
	{"/api-docs/swagger.json", CheckExposureDocs, docsRe, "the API description"},
	{"/swagger/", CheckExposureDocs, lazyregexp.New(`(?i)swagger-ui`), "API documentation"},
	{"/docs", CheckExposureDocs, lazyregexp.New(`(?i)swagger-ui|redoc|"openapi"\s*:`), "API documentation"},
}

// checkExposure asks for well-known internal paths and looks into the
// identities' token payloads. Sensitive fields in responses are found by
// observe on every response.
func (r *run) checkExposure(ctx context.Context) {
	for _, id := range r.cfg.Identities {
		r.tokenPayload(id.claims, "token of identity "+id.Name, Evidence{Request: "(token payload of identity " + id.Name + ")"})
	}
	if len(r.cfg.Identities) == 0 {
		r.skipf("sensitive claims in token payloads: no identities")
	}
	n := 0
	for _, o := range r.ops {
		if o.Method != http.MethodGet || n >= 8 || (len(o.Params) > 0 && len(o.sampleIDs()) == 0 && len(r.cfg.Identities) == 0) {
			continue
		}
		n++
		if _, err := r.send(ctx, &probe{Method: http.MethodGet, Path: r.concrete(o), Op: o.String(), As: r.anyID()}); err != nil && r.stop(err) {
			return
		}
	}
	for _, w := range wellKnown {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: w.path, Op: "GET " + w.path})
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		if ex.ok() && w.sig.Match(ex.Body) && (w.sig != notHTML || ex.contentType() != "text/html") {
			r.addEx(w.check, "GET "+w.path, fmt.Sprintf("%s answers 200 with %s.", w.path, w.what), ex)
		}
	}
	r.mu.Lock()
	dirs := slices.Clone(r.dirLinks)
	r.mu.Unlock()
	for _, d := range dirs {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: d, Op: "GET " + strings.TrimRight(d, "/")})
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		if ex.ok() && listingRe.Match(ex.Body) {
			r.addEx(CheckExposureListing, "GET "+strings.TrimRight(d, "/"), d+" answers with a directory listing; the API links to files in it.", ex)
		}
	}
	if ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: "/", Op: "GET /"}); err == nil && ex.ok() && listingRe.Match(ex.Body) {
		r.addEx(CheckExposureListing, "GET /", "/ answers with a directory listing.", ex)
	}
}

// tokenPayload reports sensitive claim names. Only names are reported,
// never values: the payload is unverified.
func (r *run) tokenPayload(claims map[string]any, where string, ev Evidence) {
	var keys []string
	walkJSON(claims, 0, func(k string, _ any) {
		if sensitiveKeyRe.MatchString(k) && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	})
	if len(keys) > 0 {
		slices.Sort(keys)
		ev.Response = "claims: " + strings.Join(keys, ", ") + " (values masked)"
		// Every token the API issues has the same payload shape: one root
		// cause, whichever identity or operation showed it.
		r.record(CheckExposureToken, "(tokens)", where, "The "+where+" carries "+strings.Join(keys, ", ")+" in its readable payload.", ev, -1)
	}
}

func (r *run) observeExposure(ex *exchange) {
	if !ex.ok() {
		return
	}
	if ex.contentType() == "text/html" {
		for _, m := range pemLinkRe.FindAllSubmatch(ex.Body, 8) {
			r.addPEMLink(ex.probe.Path, string(m[1]))
		}
	}
	if privKeyRe.Match(ex.Body) {
		r.add(CheckExposureField, ex.probe.Op, "The response contains a private key.", r.evidence(ex))
		return
	}
	if !ex.isJSON() {
		return
	}
	var v any
	if json.Unmarshal(ex.Body, &v) != nil {
		return
	}
	var keys []string
	walkJSON(v, 0, func(k string, val any) {
		switch x := val.(type) {
		case string:
			if sensitiveKeyRe.MatchString(k) && x != "" && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
			if m := fileLinkRe.FindStringSubmatch(x); m != nil {
				r.addDirLink(m[1])
			}
			if claims := jwtPayload(x); claims != nil {
				ev := Evidence{Request: maskPath(ex.probe.Method + " " + ex.probe.Path)}
				r.tokenPayload(claims, "token issued by "+ex.probe.Op, ev)
				r.tokenLifetime(x, claims, "token issued by "+ex.probe.Op, ev)
			}
			if len(x) >= 13 && len(x) <= 23 && cardRe.MatchString(x) && luhn(x) && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		case float64:
			if sensitiveKeyRe.MatchString(k) && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	})
	if len(keys) > 0 && !r.base.matches(ex) {
		r.add(CheckExposureField, ex.probe.Op, "The response carries "+strings.Join(keys, ", ")+".", r.evidence(ex))
	}
}

// fileLinkRe matches a same-origin link to a file: its directory may
// list everything beside it.
var fileLinkRe = lazyregexp.New(`^(/[A-Za-z0-9_.\-/]*/)[A-Za-z0-9_.\-]+\.[A-Za-z0-9]{2,5}$`)

// addDirLink remembers a directory the API links files in.
func (r *run) addDirLink(dir string) {
	if strings.Count(dir, "/") > 4 || strings.HasPrefix(dir, "//") {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.dirLinks, dir) && len(r.dirLinks) < 4 {
		r.dirLinks = append(r.dirLinks, dir)
	}
}

// addPEMLink remembers a link to a .pem or .pub file on the API's own
// origin, for key confusion.
func (r *run) addPEMLink(base, link string) {
	u, err := url.Parse(link)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return
	}
	dir := base
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		dir = base[:i+1]
	}
	p := link
	if !strings.HasPrefix(link, "/") {
		p = dir + link
	}
	p = strings.TrimPrefix(p, r.prefix)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.pemLinks, p) && len(r.pemLinks) < 8 {
		r.pemLinks = append(r.pemLinks, p)
	}
}

// shadowOps crawls the target for operations the document does not
// describe (forgotten versions, legacy endpoints) and reports each that
// serves a 2xx, anonymously or to one of the identities; they join the
// scan, so every other check probes them too. A refusal proves nothing: a
// gateway may ask for credentials before it looks the path up.
func (r *run) shadowOps(ctx context.Context, documented []*Operation) []*Operation {
	known := make([]*regexp.Regexp, 0, len(documented))
	for _, o := range documented {
		parts := paramRe.Split(o.Path, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		flags := ""
		if r.base.caseInsensitive {
			flags = "(?i)"
		}
		known = append(known, regexp.MustCompile(flags+"^"+regexp.QuoteMeta(o.Method)+" "+strings.Join(parts, "[^/]+")+"$"))
	}
	ci := r.base.caseInsensitive
	isKnown := func(o *Operation) bool {
		for _, s := range []string{o.String(), o.Method + " " + r.concrete(o)} {
			if ci {
				s = strings.ToLower(s)
			}
			for _, re := range known {
				if re.MatchString(s) {
					return true
				}
			}
		}
		return false
	}
	ops := documented
	auths := []*Identity{nil}
	for i := range r.cfg.Identities {
		if !r.auth.refused[r.cfg.Identities[i].Name] {
			auths = append(auths, &r.cfg.Identities[i])
		}
	}
	for _, o := range r.crawl(ctx) {
		if o.Path == "/" || o.Method != http.MethodGet || isKnown(o) || docsPathRe.MatchString(o.Path) {
			continue
		}
		for _, auth := range auths {
			ex, err := r.send(ctx, &probe{Method: o.Method, Path: r.concrete(o), Op: o.String(), As: auth})
			if err != nil {
				if r.stop(err) {
					return ops
				}
				break
			}
			if ex.ok() && !r.base.matches(ex) {
				o.Undocumented = true
				ops = append(ops, o)
				r.add(CheckExposureUndocumented, o.String(), fmt.Sprintf("The operation is not in the OpenAPI document but answers %d.", ex.Status), r.evidence(ex))
				break
			}
			if ex.Status != http.StatusUnauthorized && ex.Status != http.StatusForbidden {
				break
			}
		}
	}
	return ops
}
