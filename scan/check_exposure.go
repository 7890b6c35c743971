package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

var (
	sensitiveKeyRe = regexp.MustCompile(`(?i)^(password|passwd|pwd|password_?hash|hashed_?password|pass_?hash|secret|client_?secret|secret_?key|api_?key|private_?key|ssn|card_?number|cc_?number|credit_?card|cvv|cvc|otp_?secret|mfa_?secret|totp_?secret|salt)$`)
	privKeyRe      = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)
)

// wellKnown are paths that should not be public, each with a signature
// its real content has, so a catch-all page is not mistaken for a leak.
var wellKnown = []struct {
	path  string
	check string
	sig   *regexp.Regexp
	what  string
}{
	{"/.env", CheckExposurePath, regexp.MustCompile(`(?m)^[A-Z][A-Z0-9_]*=`), "an environment file"},
	{"/.git/config", CheckExposurePath, regexp.MustCompile(`\[core\]`), "the git repository"},
	{"/debug/pprof/", CheckExposurePath, regexp.MustCompile(`(?i)profiles|goroutine`), "Go profiling endpoints"},
	{"/debug/vars", CheckExposurePath, regexp.MustCompile(`"memstats"|"cmdline"`), "runtime variables"},
	{"/debug", CheckExposurePath, regexp.MustCompile(`(?i)"(env|config|memstats|cmdline|heap|goroutines|uptime|version)"`), "a debug endpoint"},
	{"/metrics", CheckExposurePath, regexp.MustCompile(`(?m)^# (HELP|TYPE) `), "Prometheus metrics"},
	{"/actuator", CheckExposurePath, regexp.MustCompile(`"_links"`), "Spring actuator"},
	{"/actuator/env", CheckExposurePath, regexp.MustCompile(`"propertySources"|"activeProfiles"`), "Spring actuator environment"},
	{"/server-status", CheckExposurePath, regexp.MustCompile(`Apache Server Status`), "Apache server status"},
	{"/static/", CheckExposureListing, regexp.MustCompile(`(?i)<title>(Index of|Directory listing)|<h1>Index of /`), "a directory listing"},
	{"/uploads/", CheckExposureListing, regexp.MustCompile(`(?i)<title>(Index of|Directory listing)|<h1>Index of /`), "a directory listing"},
	{"/openapi.json", CheckExposureDocs, regexp.MustCompile(`"(openapi|swagger)"\s*:`), "the API description"},
	{"/swagger.json", CheckExposureDocs, regexp.MustCompile(`"(openapi|swagger)"\s*:`), "the API description"},
	{"/v3/api-docs", CheckExposureDocs, regexp.MustCompile(`"(openapi|swagger)"\s*:`), "the API description"},
	{"/docs", CheckExposureDocs, regexp.MustCompile(`(?i)swagger-ui|redoc|"openapi"\s*:`), "API documentation"},
}

// checkExposure asks for well-known internal paths and looks into the
// identities' token payloads. Sensitive fields in responses are found by
// observe on every response.
func (r *run) checkExposure(ctx context.Context) {
	for _, id := range r.cfg.Identities {
		r.tokenPayload(id.claims, "token of identity "+id.Name, Evidence{Request: "(token payload of identity " + id.Name + ")"})
	}
	n := 0
	for _, o := range r.ops {
		if o.Method != http.MethodGet || n >= 8 || (len(o.Params) > 0 && len(o.sampleIDs()) == 0 && len(r.cfg.Identities) == 0) {
			continue
		}
		n++
		if _, err := r.send(ctx, &probe{Method: http.MethodGet, Path: r.concrete(o), Op: o.String(), Auth: r.anyAuth()}); err != nil && r.stop(err) {
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
		if ex.ok() && w.sig.Match(ex.Body) {
			r.add(w.check, "GET "+w.path, fmt.Sprintf("%s answers 200 with %s.", w.path, w.what), r.evidence(ex))
		}
	}
	if ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: "/", Op: "GET /"}); err == nil && ex.ok() && wellKnown[9].sig.Match(ex.Body) {
		r.add(CheckExposureListing, "GET /", "/ answers with a directory listing.", r.evidence(ex))
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
		ev.Response = "claims: " + strings.Join(keys, ", ") + " (values masked)"
		r.add(CheckExposureToken, where, "The "+where+" carries "+strings.Join(keys, ", ")+" in its readable payload.", ev)
	}
}

func (r *run) observeExposure(ex *exchange) {
	if !ex.ok() {
		return
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
			if claims := jwtPayload(x); claims != nil {
				r.tokenPayload(claims, "token issued by "+ex.probe.Op, Evidence{Request: maskPath(ex.probe.Method + " " + ex.probe.Path)})
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
	if len(keys) > 0 {
		r.add(CheckExposureField, ex.probe.Op, "The response carries "+strings.Join(keys, ", ")+".", r.evidence(ex))
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
		known = append(known, regexp.MustCompile("^"+regexp.QuoteMeta(o.Method)+" "+strings.Join(parts, "[^/]+")+"$"))
	}
	isKnown := func(o *Operation) bool {
		for _, s := range []string{o.String(), o.Method + " " + r.concrete(o)} {
			for _, re := range known {
				if re.MatchString(s) {
					return true
				}
			}
		}
		return false
	}
	ops := documented
	auths := []string{""}
	for _, id := range r.cfg.Identities {
		auths = append(auths, id.Authorization)
	}
	for _, o := range r.crawl(ctx) {
		if o.Path == "/" || o.Method != http.MethodGet || isKnown(o) {
			continue
		}
		for _, auth := range auths {
			ex, err := r.send(ctx, &probe{Method: o.Method, Path: r.concrete(o), Op: o.String(), Auth: auth})
			if err != nil {
				if r.stop(err) {
					return ops
				}
				break
			}
			if ex.ok() {
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
