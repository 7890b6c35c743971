package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/problem"
)

// overrideHeaders are the headers frameworks read a method override from
// (Express's method-override, Rails, Laravel, Symfony, Spring's
// HiddenHttpMethodFilter reads the _method form field instead), in
// canonical form.
var overrideHeaders = [...]string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

// overridable are the methods an override may name.
var overridable = map[string]bool{
	http.MethodGet: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true, http.MethodPost: true,
}

// override is what a request asked for: the method named, and whether
// it came from the query string.
type override struct {
	method  string
	inQuery bool
	query   string // the query without its _method fields
	found   bool
}

// takeOverride removes every method override header from r, whatever
// happens next, so that no upstream runs a method the gateway did not
// authorize, and reads the _method query fields without removing them.
// Overrides that disagree with each other are refused.
func takeOverride(r *http.Request) (override, *problem.Error) {
	var o override
	var names []string
	for _, h := range overrideHeaders {
		vs, ok := r.Header[h]
		if !ok {
			continue
		}
		delete(r.Header, h)
		o.found = true
		for _, v := range vs {
			// Node joins repeated headers with commas; method-override
			// takes the first.
			for _, m := range strings.Split(v, ",") {
				names = append(names, strings.TrimSpace(m))
			}
		}
	}
	if raw := r.URL.RawQuery; raw != "" && (strings.Contains(strings.ToLower(raw), "method") || strings.Contains(raw, "%")) {
		var kept []string
		for _, seg := range strings.FieldsFunc(raw, func(c rune) bool { return c == '&' || c == ';' }) {
			k, v, _ := strings.Cut(seg, "=")
			key, err := url.QueryUnescape(k)
			if err != nil {
				key = k
			}
			if !jsonlimits.IsMethodOverrideField(key) {
				kept = append(kept, seg)
				continue
			}
			o.found, o.inQuery = true, true
			if val, err := url.QueryUnescape(v); err == nil {
				v = val
			}
			names = append(names, strings.TrimSpace(v))
		}
		o.query = strings.Join(kept, "&")
	}
	if !o.found {
		return o, nil
	}
	for _, n := range names {
		m := strings.ToUpper(n)
		switch {
		case o.method == "":
			o.method = m
		case m != o.method:
			return o, problem.New(http.StatusBadRequest, "conflicting method overrides")
		}
	}
	return o, nil
}

// resolveOverride applies a route's method_override policy before the
// route match, so that authentication, authorization, limits and
// validation all see the method the upstream will run. With allow on the
// route that the named method and path match, a POST becomes that method
// and its override is removed from the query; otherwise a header
// override is dropped (an event says so) and a _method in the query is
// refused.
func (g *Gateway) resolveOverride(w http.ResponseWriter, r *http.Request, path string) bool {
	o, perr := takeOverride(r)
	if perr != nil {
		g.rejectAs(w, r, perr, audit.OWASPFunctionAuthz)
		return false
	}
	if !o.found {
		return true
	}
	if r.Method == http.MethodPost && overridable[o.method] {
		if idx, _, err := g.table.Match(o.method, path, nil); err == nil && g.routes[idx].methodOverride {
			r.Method = o.method
			if o.inQuery {
				r.URL.RawQuery = o.query
			}
			return true
		}
	}
	if o.inQuery {
		g.rejectAs(w, r, problem.New(http.StatusBadRequest, "method override refused"), audit.OWASPFunctionAuthz)
		return false
	}
	g.opts.Events.Emit(r, audit.Event{Name: audit.MethodOverrideIgnored, Reason: "method override header removed", OWASP: audit.OWASPFunctionAuthz})
	return true
}
