package cors

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	rscors "github.com/rs/cors"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/publicsuffix"
)

// ErrBadConfig wraps every configuration problem.
var ErrBadConfig = errors.New("cors: invalid config")

// OriginError reports an unacceptable origin pattern.
type OriginError struct {
	Value  string
	Reason string
}

func (e *OriginError) Error() string {
	return fmt.Sprintf("cors: origin %q: %s", e.Value, e.Reason)
}

func (e *OriginError) Unwrap() error { return ErrBadConfig }

// ConfigError reports one unacceptable [Config] field. Field names it in
// this package's terms, with an index for lists: "AllowedOrigins[2]",
// "AllowedMethods[0]", "ExposedHeaders[1]", "MaxAge". Callers map it to
// their own names with errors.As, never by reading the message.
type ConfigError struct {
	Field  string
	Reason string
	// Err is the specific error, an [*OriginError] for an origin; nil
	// otherwise.
	Err error
}

func (e *ConfigError) Error() string { return "cors: " + e.Field + ": " + e.Reason }

// Unwrap returns [ErrBadConfig] and Err, if any.
func (e *ConfigError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrBadConfig}
	}
	return []error{ErrBadConfig, e.Err}
}

// Config is a CORS policy. The zero Config allows no cross-origin access.
type Config struct {
	// AllowedOrigins are exact origins ("https://app.example.com"),
	// subdomain wildcards ("https://*.example.com"), or "*" alone, which
	// is refused together with AllowCredentials. A wildcard must stand
	// below a registrable domain: "https://*.co.uk" and
	// "https://*.github.io" are refused, since anyone can register a name
	// under a public suffix.
	AllowedOrigins []string
	// AllowedMethods default to GET, HEAD and POST.
	AllowedMethods []string
	// AllowedHeaders are the request headers a preflight may ask for.
	AllowedHeaders []string
	// ExposedHeaders are the response headers scripts may read.
	ExposedHeaders []string
	// AllowCredentials lets browsers send cookies and Authorization.
	AllowCredentials bool
	// MaxAge is how long browsers may cache a preflight; 0 means the
	// browser's default, at most 24h.
	MaxAge time.Duration
}

// Policy is a compiled CORS policy, safe for concurrent use.
//
// rs/cors answers preflights and matches origins. Requests that are not
// preflights are answered here, with the same headers rs/cors would set:
// its own path formats a debug line's arguments on every request, logger
// or not, which costs an allocation per request on the gateway's hot path.
// TestActualRequestsAsRSCors holds the two to the same answers.
type Policy struct {
	c *rscors.Cors
	// methods are the methods whose requests get CORS headers, as rs/cors
	// keeps them: the configured list as written, or GET, POST and HEAD.
	methods []string
	// anyOrigin is set when "*" is listed: every origin is answered "*".
	anyOrigin bool
	// exposed is the Access-Control-Expose-Headers value, or nil.
	exposed     []string
	credentials bool
	// exact are the allowed origins without a wildcard that are ASCII,
	// lower-cased as rs/cors compares them: an Origin equal to one
	// of them is allowed without asking rs/cors, which would look the
	// header up again and lower-case a copy of it.
	exact []string
}

// Values set on every allowed response; a header map takes them without
// a copy, and an append to a one-element slice copies it.
var (
	varyOrigin = []string{"Origin"}
	allOrigins = []string{"*"}
	credTrue   = []string{"true"}
)

// New validates cfg, reporting every problem, and compiles it.
func New(cfg Config) (*Policy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.AllowedOrigins) == 0 {
		return &Policy{}, nil
	}
	origins := make([]string, len(cfg.AllowedOrigins))
	for i, o := range cfg.AllowedOrigins {
		origins[i] = strings.ToLower(o)
	}
	maxAge := int(cfg.MaxAge / time.Second) // 0 omits the header
	p := &Policy{methods: cfg.AllowedMethods, credentials: cfg.AllowCredentials}
	if len(p.methods) == 0 {
		p.methods = []string{http.MethodGet, http.MethodPost, http.MethodHead}
	}
	for _, o := range origins {
		p.anyOrigin = p.anyOrigin || o == "*"
		if !strings.Contains(o, "*") && isASCII(o) {
			p.exact = append(p.exact, o)
		}
	}
	if len(cfg.ExposedHeaders) > 0 {
		names := make([]string, len(cfg.ExposedHeaders))
		for i, h := range cfg.ExposedHeaders {
			names[i] = http.CanonicalHeaderKey(h)
		}
		p.exposed = []string{strings.Join(names, ", ")}
	}
	p.c = rscors.New(rscors.Options{
		AllowedOrigins:       origins,
		AllowedMethods:       cfg.AllowedMethods,
		AllowedHeaders:       cfg.AllowedHeaders,
		ExposedHeaders:       cfg.ExposedHeaders,
		AllowCredentials:     cfg.AllowCredentials,
		MaxAge:               maxAge,
		OptionsSuccessStatus: http.StatusNoContent,
	})
	return p, nil
}

// Validate reports every problem in cfg, joined, each a [*ConfigError]. It
// has no side effects.
func (cfg Config) Validate() error {
	var errs []error
	bad := func(field string, i int, reason string, err error) {
		if i >= 0 {
			field = fmt.Sprintf("%s[%d]", field, i)
		}
		errs = append(errs, &ConfigError{Field: field, Reason: reason, Err: err})
	}
	for i, o := range cfg.AllowedOrigins {
		if oe := validateOrigin(o, cfg.AllowCredentials); oe != nil {
			bad("AllowedOrigins", i, fmt.Sprintf("%q: %s", oe.Value, oe.Reason), oe)
		}
	}
	for i, m := range cfg.AllowedMethods {
		if !httpguts.ValidHeaderFieldName(m) || m == "*" {
			bad("AllowedMethods", i, fmt.Sprintf("%q is not a method", m), nil)
		}
	}
	for field, list := range map[string][]string{"AllowedHeaders": cfg.AllowedHeaders, "ExposedHeaders": cfg.ExposedHeaders} {
		for i, h := range list {
			switch {
			case h == "*" && cfg.AllowCredentials:
				bad(field, i, "\"*\" with credentials (browsers take it literally; list the headers)", nil)
			case h != "*" && !httpguts.ValidHeaderFieldName(h):
				bad(field, i, fmt.Sprintf("%q is not a header name", h), nil)
			}
		}
	}
	if cfg.MaxAge < 0 || cfg.MaxAge > 24*time.Hour {
		bad("MaxAge", -1, fmt.Sprintf("%s is outside 0..24h", cfg.MaxAge), nil)
	}
	return errors.Join(errs...)
}

func validateOrigin(o string, credentials bool) *OriginError {
	bad := func(reason string) *OriginError { return &OriginError{Value: o, Reason: reason} }
	switch o {
	case "*":
		if credentials {
			return bad("\"*\" together with allow_credentials would let every site read credentialed responses")
		}
		return nil
	case "null":
		return bad("\"null\" is the origin of sandboxed iframes and local files: any page can send it")
	case "":
		return bad("empty")
	}
	u, err := url.Parse(o)
	if err != nil {
		return bad("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("scheme must be http or https")
	case u.User != nil:
		return bad("user info is not part of an origin")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#"):
		return bad("an origin has no path, query or fragment (did you add a trailing slash?)")
	case u.Host == "":
		return bad("no host")
	}
	host := u.Hostname()
	if n := strings.Count(o, "*"); n > 0 {
		if n > 1 || !strings.HasPrefix(host, "*.") {
			return bad("a wildcard may only stand for subdomains of a registrable domain, as in https://*.example.com")
		}
		if reason := wildcardDomain(strings.ToLower(host[len("*."):])); reason != "" {
			return bad(reason)
		}
	}
	return nil
}

// wildcardDomain returns why the domain under a "*." wildcard is refused,
// or "". The domain must lie strictly below a public suffix of the Public
// Suffix List, ICANN and private sections alike: a wildcard over co.uk or
// github.io would admit every site anyone registers there. A domain under
// a wildcard rule of the list (*.kawasaki.jp, *.compute.amazonaws.com) is
// refused too, since each of its subdomains is a public suffix. Suffixes
// the list names one by one below a registrable domain (s3.amazonaws.com
// under amazonaws.com) cannot be told from the list's lookup functions and
// are not detected.
func wildcardDomain(d string) string {
	if !hostname(d) {
		return fmt.Sprintf("%q under the wildcard is not a DNS name (write internationalised names in their xn-- form)", d)
	}
	suffix, _ := publicsuffix.PublicSuffix(d)
	site, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil || suffix == d {
		return fmt.Sprintf("%q is a public suffix, so the wildcard would admit every site registered under it; a wildcard may only stand for subdomains of a registrable domain, as in https://*.example.com", d)
	}
	if sub, err := publicsuffix.EffectiveTLDPlusOne(wildcardProbe + "." + d); err != nil || sub != site {
		return fmt.Sprintf("the subdomains of %q are public suffixes, so the wildcard would admit sites anyone registers under them", d)
	}
	return ""
}

// wildcardProbe is a label no exception rule of the Public Suffix List
// names, standing for any subdomain a wildcard admits.
const wildcardProbe = "rampart-probe"

// hostname reports whether d is a lower-case ASCII DNS name that a URL
// parser would not read as an IPv4 address: its last label is neither
// decimal nor 0x-hexadecimal.
func hostname(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	if strings.HasPrefix(last, "0x") {
		return strings.Trim(last[2:], "0123456789abcdef") != ""
	}
	return strings.Trim(last, "0123456789") != ""
}

// Handler applies the policy: preflights end here with 204; other requests
// get CORS headers only when their origin is allowed. The zero policy
// passes requests through untouched.
func (c *Policy) Handler(next http.Handler) http.Handler {
	if c == nil || c.c == nil {
		return next
	}
	preflight := c.c.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			preflight.ServeHTTP(w, r)
			return
		}
		c.actual(w.Header(), r)
		next.ServeHTTP(w, r)
	})
}

// actual sets the CORS headers of a request that is not a preflight, as
// rs/cors does: Vary: Origin always (the answer depends on it), and the
// Allow headers only for an allowed origin and method.
func (c *Policy) actual(h http.Header, r *http.Request) {
	if vary := h["Vary"]; vary == nil {
		h["Vary"] = varyOrigin
	} else {
		h["Vary"] = append(vary, varyOrigin[0])
	}
	origin := r.Header["Origin"]
	if len(origin) == 0 || origin[0] == "" || !c.originAllowed(r, origin[0]) || !c.methodAllowed(r.Method) {
		return
	}
	if c.anyOrigin {
		h["Access-Control-Allow-Origin"] = allOrigins
	} else {
		h["Access-Control-Allow-Origin"] = r.Header["Origin"]
	}
	if c.exposed != nil {
		h["Access-Control-Expose-Headers"] = c.exposed
	}
	if c.credentials {
		h["Access-Control-Allow-Credentials"] = credTrue
	}
}

// originAllowed is rs/cors's OriginAllowed for r, whose first Origin
// value is origin. An origin every policy allows, or one of the exact
// origins as written, is answered here; any other goes to rs/cors. Both
// refusals and wildcard matches are rs/cors's alone.
func (c *Policy) originAllowed(r *http.Request, origin string) bool {
	if c.anyOrigin {
		return true
	}
	for _, o := range c.exact {
		if o == origin {
			return true
		}
	}
	return c.c.OriginAllowed(r)
}

// isASCII reports whether s is ASCII. The origins are lower-cased
// already; lower-cased ASCII is what rs/cors compares an Origin with.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// methodAllowed is rs/cors's rule: a listed method, or OPTIONS (which is
// not a preflight here).
func (c *Policy) methodAllowed(m string) bool {
	return m == http.MethodOptions || slices.Contains(c.methods, m)
}

// Enabled reports whether any origin is allowed.
func (c *Policy) Enabled() bool { return c != nil && c.c != nil }

// Strip removes CORS response headers an upstream set on its own, so that
// the gateway's policy is the only one a browser sees.
func Strip(h http.Header) {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
}
