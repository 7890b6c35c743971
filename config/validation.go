package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-api/rampart/jsonlimits"
)

// MaxDocumentBytes bounds the size of an OpenAPI document.
const MaxDocumentBytes = 16 << 20

// Limits are the structural limits every JSON request body must respect,
// with or without an OpenAPI document. A zero field takes the default of
// package jsonlimits; a limit cannot be switched off.
type Limits struct {
	// MaxDepth is the deepest nesting of objects and arrays (default 32).
	MaxDepth int `yaml:"max_depth"`
	// MaxArray is the most elements one array may hold (default 10000).
	MaxArray int `yaml:"max_array"`
	// MaxString is the longest string, key or value, in bytes (default
	// 1 MiB).
	MaxString int `yaml:"max_string"`
	// MaxProperties is the most properties one object may hold (default
	// 1000).
	MaxProperties int `yaml:"max_properties"`
	// RequestEncoding is what happens to a request body sent with a
	// Content-Encoding: refuse (default, 415) or decode (gzip and deflate
	// are inflated within server.max_body_bytes and the upstream gets the
	// decoded body).
	RequestEncoding string `yaml:"request_encoding"`
}

// Validation says what an upstream's requests and responses are checked
// for against its OpenAPI document. Empty fields take the secure defaults.
type Validation struct {
	// Requests is enforce (default: refuse with 400), report or off.
	Requests string `yaml:"requests"`
	// Responses is filter (default: remove undeclared properties),
	// enforce (filter, and replace a non-conforming response with a 502),
	// report or off.
	Responses string `yaml:"responses"`
	// Inventory is enforce (default: 404 for a path and method the
	// document does not describe), report or off.
	Inventory string `yaml:"inventory"`
	// RejectUnknownProperties refuses request body properties the schema
	// does not declare, even where it lacks additionalProperties: false.
	// Unset means true.
	RejectUnknownProperties *bool `yaml:"reject_unknown_properties"`
	// MaxResponseBytes bounds a JSON response held for checking (default
	// 4 MiB); a longer one is a 502 under filter and enforce.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
}

// RejectsUnknownProperties reports whether undeclared request body
// properties are refused: true unless set to false.
func (v Validation) RejectsUnknownProperties() bool {
	return v.RejectUnknownProperties == nil || *v.RejectUnknownProperties
}

func (v Validation) isZero() bool {
	return v.Requests == "" && v.Responses == "" && v.Inventory == "" && v.RejectUnknownProperties == nil && v.MaxResponseBytes == 0
}

// WAF is a route's web application firewall: Coraza running the OWASP Core
// Rule Set. Zero fields take the defaults of package waf.
type WAF struct {
	// Enabled switches the WAF on; unset means on when the waf block is
	// present.
	Enabled *bool `yaml:"enabled"`
	// Paranoia is the CRS paranoia level, 1 (default) to 4.
	Paranoia int `yaml:"paranoia"`
	// AnomalyThreshold is the inbound anomaly score that blocks (default
	// 5: one critical match).
	AnomalyThreshold int `yaml:"anomaly_threshold"`
	// DetectOnly reports what would be blocked and lets it through.
	DetectOnly bool `yaml:"detect_only"`
	// ExcludeRules are CRS rule ids removed for false positives.
	ExcludeRules []int `yaml:"exclude_rules"`
	// MaxBodyBytes is the largest body inspected (default 64 KiB); a
	// larger one is refused with 413 on this route.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// On reports whether the WAF inspects requests.
func (w *WAF) On() bool {
	return w != nil && (w.Enabled == nil || *w.Enabled)
}

// Key identifies the rule set w compiles to: routes with equal keys can
// share one WAF.
func (w *WAF) Key() string {
	return fmt.Sprintf("p%d t%d d%t b%d x%v", w.Paranoia, w.AnomalyThreshold, w.DetectOnly, w.MaxBodyBytes, slices.Compact(slices.Sorted(slices.Values(w.ExcludeRules))))
}

// Validation modes, as package validate names them; the gateway passes
// them on unchanged and package validate refuses any other.
const (
	ModeEnforce = "enforce"
	ModeReport  = "report"
	ModeFilter  = "filter"
	ModeOff     = "off"
)

// Modes each validation field accepts; the first is the default.
var (
	requestModes  = []string{ModeEnforce, ModeReport, ModeOff}
	responseModes = []string{ModeFilter, ModeEnforce, ModeReport, ModeOff}
)

// validation checks the validation settings, the structural limits and
// the route WAFs. The documents were read at load time into
// Upstream.Document; compiling them is the gateway's (rampart check does
// it), so config does not import the OpenAPI library.
func (v *validator) validation(c *Config) {
	for _, name := range sortedKeys(c.Upstreams) {
		u := c.Upstreams[name]
		v.upstreamValidation("upstreams."+name, &u)
	}
	v.limits(&c.Limits, c.Server.MaxBodyBytes)
	for i := range c.Routes {
		v.routeWAF(fmt.Sprintf("routes[%d].waf", i), c.Routes[i].WAF)
	}
}

func (v *validator) upstreamValidation(path string, u *Upstream) {
	vc := u.Validation
	p := path + ".validation"
	requests := v.mode(p+".requests", vc.Requests, requestModes)
	responses := v.mode(p+".responses", vc.Responses, responseModes)
	inventory := v.mode(p+".inventory", vc.Inventory, requestModes)
	if vc.MaxResponseBytes < 0 {
		v.errorf(p+".max_response_bytes", "must not be negative")
	}
	if u.OpenAPI == "" {
		if !vc.isZero() {
			v.errorf(p, "needs openapi: without a document nothing is validated")
		}
		return
	}
	for _, w := range []struct {
		field string
		mode  string
		what  string
	}{
		{"requests", requests, "requests that do not match the document reach the upstream"},
		{"responses", responses, "undeclared response properties (password hashes, internal fields) reach clients"},
		{"inventory", inventory, "endpoints the document does not describe reach the upstream"},
	} {
		if w.mode == ModeOff {
			v.warnf(p+"."+w.field, "off: %s", w.what)
		}
	}
	if !vc.RejectsUnknownProperties() {
		v.warnf(p+".reject_unknown_properties", "false: request properties the schemas do not declare reach the upstream unless a schema sets additionalProperties: false (mass assignment)")
	}
}

// mode checks one mode field and returns it, or "" (the default) when it
// is not one of allowed.
func (v *validator) mode(path, m string, allowed []string) string {
	if m == "" || slices.Contains(allowed, m) {
		return m
	}
	v.errorf(path, "%q is not one of %s", m, strings.Join(allowed, ", "))
	return ""
}

func (v *validator) limits(l *Limits, maxBody int64) {
	_, err := jsonlimits.New(l.JSONLimits(max(maxBody, 0)))
	for _, e := range unjoin(err) {
		var le *jsonlimits.InvalidLimitError
		var ee *jsonlimits.InvalidEncodingError
		switch {
		case errors.As(e, &le):
			v.errorf("limits."+limitFields[le.Field], "must not be negative: a limit cannot be switched off")
		case errors.As(e, &ee):
			v.errorf("limits.request_encoding", "%q is not one of refuse, decode", l.RequestEncoding)
		}
	}
}

var limitFields = map[string]string{"MaxDepth": "max_depth", "MaxArray": "max_array", "MaxString": "max_string", "MaxProperties": "max_properties", "MaxBody": "max_body"}

// JSONLimits returns the jsonlimits configuration the limits describe, for
// bodies of at most maxBody bytes.
func (l *Limits) JSONLimits(maxBody int64) jsonlimits.Config {
	return jsonlimits.Config{MaxDepth: l.MaxDepth, MaxArray: l.MaxArray, MaxString: l.MaxString, MaxProperties: l.MaxProperties, MaxBody: maxBody, RequestEncoding: jsonlimits.Encoding(l.RequestEncoding)}
}

// routeWAF checks the ranges package waf accepts. Whether each excluded
// rule exists is known only once the rule set is compiled, by the gateway.
func (v *validator) routeWAF(path string, w *WAF) {
	if w == nil {
		return
	}
	if !w.On() {
		v.warnf(path+".enabled", "false: the route's requests are not inspected")
		return
	}
	// Paranoia, anomaly_threshold and max_body_bytes are checked by
	// package waf when the gateway compiles the route (rampart check
	// does), which reports them at their lines: config does not import
	// the WAF engine to repeat its ranges.
	for i, id := range w.ExcludeRules {
		if id <= 0 {
			v.errorf(fmt.Sprintf("%s.exclude_rules[%d]", path, i), "%d is not a rule id", id)
		}
	}
	if w.DetectOnly {
		v.warnf(path+".detect_only", "attacks are reported, not blocked")
	}
}
