package secureheaders

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Profiles.
const (
	ProfileHelmet = "helmet"
	ProfileAPI    = "api"
	ProfileNone   = "none"
)

// ErrBadConfig wraps every configuration problem.
var ErrBadConfig = errors.New("secureheaders: invalid config")

// ConfigError reports one unacceptable [Config] field. Field names it in
// this package's terms: "Profile", or "Set[NAME]" for one header. Callers
// map it to their own names with errors.As, never by reading the message.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "secureheaders: " + e.Field + ": " + e.Reason }

// Unwrap returns [ErrBadConfig].
func (e *ConfigError) Unwrap() error { return ErrBadConfig }

// Helmet is helmet 8's default header set.
var Helmet = []Header{
	{"Content-Security-Policy", "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Origin-Agent-Cluster", "?1"},
	{"Referrer-Policy", "no-referrer"},
	{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Dns-Prefetch-Control", "off"},
	{"X-Download-Options", "noopen"},
	{"X-Frame-Options", "SAMEORIGIN"},
	{"X-Permitted-Cross-Domain-Policies", "none"},
	{"X-Xss-Protection", "0"},
}

// API is the stricter set for JSON APIs.
var API = []Header{
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Origin-Agent-Cluster", "?1"},
	{"Referrer-Policy", "no-referrer"},
	{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Dns-Prefetch-Control", "off"},
	{"X-Download-Options", "noopen"},
	{"X-Frame-Options", "DENY"},
	{"X-Permitted-Cross-Domain-Policies", "none"},
	{"X-Xss-Protection", "0"},
	{"Permissions-Policy", "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"},
	{"Cache-Control", "no-store"},
}

// upstreamWins lists headers that are only defaults: when an upstream
// response sets one, its value is kept. Caching is the application's
// decision.
var upstreamWins = map[string]bool{"Cache-Control": true}

// disclosing headers name the server software; they are always removed
// from upstream responses.
var disclosing = []string{"Server", "X-Powered-By", "X-Aspnet-Version", "X-Aspnetmvc-Version", "X-Runtime", "X-Generator"}

// Header is one header name and value.
type Header struct{ Name, Value string }

// Config selects a profile and overrides. The zero Config is the helmet
// profile.
type Config struct {
	// Profile is "helmet" (default), "api" or "none".
	Profile string
	// Set overrides single headers: a non-nil value replaces or adds the
	// header, a nil value removes it.
	Set map[string]*string
}

// Headers is a compiled header policy. It is immutable and safe for
// concurrent use.
type Headers struct {
	set      []Header // canonical names, in order
	force    []Header // set always, upstream copies removed
	forceVal [][]string
	defaults []Header // set when the upstream response has none
	// defaultVal holds each default's value slice, shared between
	// responses like forceVal.
	defaultVal [][]string
	remove     []string
	// drop is what Scrub removes from upstream responses: disclosing,
	// remove and the names in force.
	drop map[string]bool
}

// New compiles cfg, reporting every problem at once, joined, each a
// [*ConfigError].
func New(cfg Config) (*Headers, error) {
	var base []Header
	var errs []error
	switch cfg.Profile {
	case "", ProfileHelmet:
		base = Helmet
	case ProfileAPI:
		base = API
	case ProfileNone:
	default:
		errs = append(errs, &ConfigError{"Profile", fmt.Sprintf("unknown profile %q (want helmet, api or none)", cfg.Profile)})
	}
	h := &Headers{}
	h.set = slices.Clone(base)
	names := make([]string, 0, len(cfg.Set))
	for name := range cfg.Set {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v := cfg.Set[name]
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if !httpguts.ValidHeaderFieldName(name) {
			errs = append(errs, &ConfigError{"Set[" + name + "]", fmt.Sprintf("%q is not a header name", name)})
			continue
		}
		if v != nil && !httpguts.ValidHeaderFieldValue(*v) {
			errs = append(errs, &ConfigError{"Set[" + name + "]", "the value has invalid characters"})
			continue
		}
		i := slices.IndexFunc(h.set, func(x Header) bool { return x.Name == canon })
		switch {
		case v == nil && i >= 0:
			h.set = slices.Delete(h.set, i, i+1)
		case v == nil:
		case i >= 0:
			h.set[i].Value = *v
		default:
			h.set = append(h.set, Header{canon, *v})
		}
		if v == nil {
			h.remove = append(h.remove, canon)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, x := range h.set {
		if upstreamWins[x.Name] {
			h.defaults = append(h.defaults, x)
			h.defaultVal = append(h.defaultVal, []string{x.Value})
			continue
		}
		h.force = append(h.force, x)
		h.forceVal = append(h.forceVal, []string{x.Value})
	}
	forced := make([]string, len(h.force))
	for i, x := range h.force {
		forced[i] = x.Name
	}
	h.drop = nameSet(disclosing, h.remove, forced)
	return h, nil
}

// Apply sets the policy's enforced headers on h, the response headers of
// a response the gateway itself writes or is about to proxy. The value
// slices are shared between responses and must not be modified in place;
// net/http only reads them, and Add copies before appending.
func (p *Headers) Apply(h http.Header) {
	for i, x := range p.force {
		h[x.Name] = p.forceVal[i]
	}
}

// Scrub prepares an upstream response's headers before they are copied to
// the client: it removes the headers that name the server software, the
// headers the policy removes and the upstream's own copies of the enforced
// headers (so that the values [Headers.Apply] set are the only ones), and
// adds the default headers the upstream did not set.
func (p *Headers) Scrub(upstream http.Header) {
	// An upstream response has a few headers and the policy names a
	// dozen or more, so the response's are looked up in the policy's set
	// rather than every policy name deleted from the response.
	drop := p.drop
	if drop == nil { // a zero Headers: no policy of its own
		drop = disclosingSet
	}
	for k := range upstream {
		if drop[k] {
			delete(upstream, k)
		}
	}
	p.addDefaults(upstream)
}

// disclosingSet is disclosing as a set.
var disclosingSet = nameSet(disclosing)

func nameSet(names ...[]string) map[string]bool {
	m := map[string]bool{}
	for _, list := range names {
		for _, n := range list {
			m[n] = true
		}
	}
	return m
}

func (p *Headers) addDefaults(h http.Header) {
	for i, x := range p.defaults {
		if _, ok := h[x.Name]; !ok {
			h[x.Name] = p.defaultVal[i][:1:1]
		}
	}
}

// Handler sets the headers on every response of next.
func (p *Headers) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		p.Apply(h)
		p.addDefaults(h)
		next.ServeHTTP(w, r)
	})
}

// Names returns the names of the headers set, for documentation and tests.
func (p *Headers) Names() []string {
	out := make([]string, len(p.set))
	for i, x := range p.set {
		out[i] = x.Name
	}
	return out
}

// String renders the header set one per line, in wire form.
func (p *Headers) String() string {
	var b strings.Builder
	for _, x := range p.set {
		fmt.Fprintf(&b, "%s: %s\n", x.Name, x.Value)
	}
	return b.String()
}
