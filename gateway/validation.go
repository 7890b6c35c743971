package gateway

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/validate"
	"github.com/rampart-api/rampart/waf"
)

// checks are the input checks built once per gateway and shared by its
// routes: one structural limit set, one validator per upstream with a
// document, one WAF per distinct WAF setting (compiling the CRS takes
// hundreds of milliseconds).
type checks struct {
	limits     *jsonlimits.Limits
	validators map[string]*validate.Validator  // by upstream; nil when it failed
	wafs       map[string]built[*waf.Firewall] // by [config.WAF.Key]
	// warnings are what compiling found risky but valid; see [Lint].
	warnings []error
}

// built remembers a construction, failed or not, so that it runs once.
type built[T any] struct {
	v   T
	err error
}

// buildChecks makes the input checks the routes of cfg share: the
// structural limits, the validator of each upstream a route reaches that
// has a document, and the WAF of each route that turns it on. Each error
// names its own field as a [*config.FieldError] or a field prefix, so
// that rampart check prints its line; a WAF setting used by several
// routes is compiled once and its error reported under each route.
func (g *Gateway) buildChecks(cfg *config.Config) []error {
	var errs []error
	c := &g.checks
	lc := cfg.Limits.JSONLimits(cfg.Server.MaxBodyBytes)
	lc.Events = g.opts.Events
	var err error
	if c.limits, err = jsonlimits.New(lc); err != nil {
		errs = append(errs, fmt.Errorf("limits: %w", err))
	}
	for i, rc := range cfg.Routes {
		if rc.Deny {
			continue
		}
		if u, ok := cfg.Upstreams[rc.Upstream]; ok && c.limits != nil && (u.OpenAPI != "" || u.Document != nil) {
			if _, done := c.validators[rc.Upstream]; !done {
				if err := g.validator(cfg, rc.Upstream, u, c.limits); err != nil {
					errs = append(errs, err)
				}
			}
		}
		if rc.WAF.On() {
			if err := g.waf(rc.WAF); err != nil {
				errs = append(errs, wafFieldErrors(fmt.Sprintf("routes[%d].waf", i), err))
			}
		}
	}
	return errs
}

// route returns the request checks of one route, which run after
// authorization and before the proxy: the structural limits, applied
// alone where no validator applies them first; the OpenAPI validator,
// which also filters responses on the way back; then the WAF. Cheap
// checks come first so that a malformed body never costs a WAF pass, and
// an undocumented endpoint never reaches the WAF. Any may be nil: absent,
// or not built ([buildChecks] reported why).
func (c *checks) route(cfg *config.Config, rc config.Route) (structural, schema, firewall rampart.Middleware) {
	if c.limits == nil {
		return nil, nil, nil
	}
	structural = c.limits.Handler
	if v := c.validators[rc.Upstream]; v != nil {
		schema = v.Handler
		if validate.Mode(cfg.Upstreams[rc.Upstream].Validation.Requests) != validate.Off {
			// The validator applies the structural limits, charsets,
			// encodings and the _method refusal first; with requests
			// off they run alone, since they hold on every route.
			structural = nil
		}
	}
	if rc.WAF.On() {
		if w := c.wafs[rc.WAF.Key()].v; w != nil {
			firewall = w.Handler
		}
	}
	return structural, schema, firewall
}

// validator builds the upstream's validator from the document the
// configuration checked at load time, or reads it when the configuration
// was built in code.
func (g *Gateway) validator(cfg *config.Config, name string, u config.Upstream, lim *jsonlimits.Limits) error {
	c := &g.checks
	vc := validate.Config{
		Document:                u.Document,
		Requests:                validate.Mode(u.Validation.Requests),
		Responses:               validate.Mode(u.Validation.Responses),
		Inventory:               validate.Mode(u.Validation.Inventory),
		RejectUnknownProperties: u.Validation.RejectsUnknownProperties(),
		MaxBody:                 cfg.Server.MaxBodyBytes,
		MaxResponseBody:         u.Validation.MaxResponseBytes,
		Limits:                  lim,
		Budget:                  g.buffered,
		Events:                  g.opts.Events,
	}
	if vc.Document == nil {
		vc.File = absPath(cfg.Dir, u.OpenAPI)
	}
	v, err := validate.New(vc)
	if err != nil {
		err = &config.FieldError{Path: "upstreams." + name + ".openapi", Err: err}
	} else if w := schemaWarning(u.OpenAPI, vc.Responses, v.WithoutResponseSchema()); w != nil {
		c.warnings = append(c.warnings, &config.FieldError{Path: "upstreams." + name + ".validation.responses", Err: w})
	}
	if c.validators == nil {
		c.validators = map[string]*validate.Validator{}
	}
	c.validators[name] = v // nil when it failed: built once either way
	return err
}

// waf compiles the WAF for wc's settings the first time it is asked
// for, and returns the error that compiling gave, every time.
func (g *Gateway) waf(wc *config.WAF) error {
	c := &g.checks
	key := wc.Key()
	if b, ok := c.wafs[key]; ok {
		return b.err
	}
	w, err := waf.New(waf.Config{
		ParanoiaLevel:    wc.Paranoia,
		AnomalyThreshold: wc.AnomalyThreshold,
		DetectOnly:       wc.DetectOnly,
		MaxBodyBytes:     wc.MaxBodyBytes,
		Exclusions:       wc.ExcludeRules,
		Events:           g.opts.Events,
		Log:              g.log,
	})
	if err != nil {
		err = fmt.Errorf("waf: %w", err)
	} else {
		g.closers = append(g.closers, w)
	}
	if c.wafs == nil {
		c.wafs = map[string]built[*waf.Firewall]{}
	}
	c.wafs[key] = built[*waf.Firewall]{w, err}
	return err
}

// wafFields maps waf.Config's field names to the keys of a route's waf
// section.
var wafFields = map[string]string{
	"ParanoiaLevel":    "paranoia",
	"AnomalyThreshold": "anomaly_threshold",
	"MaxBodyBytes":     "max_body_bytes",
}

// wafFieldErrors turns each typed error of waf.New into a field error
// below path, by its type and field, never by its text.
func wafFieldErrors(path string, err error) error {
	var errs []error
	for _, e := range unjoinErrors(err) {
		p := path
		var ce *waf.ConfigError
		var ee *waf.ExclusionError
		switch {
		case errors.As(e, &ce):
			if k, ok := wafFields[ce.Field]; ok {
				p += "." + k
			}
		case errors.As(e, &ee):
			p += ".exclude_rules"
		}
		errs = append(errs, &config.FieldError{Path: p, Err: e})
	}
	return errors.Join(errs...)
}

// unjoinErrors returns the errors an errors.Join holds, or err alone.
func unjoinErrors(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			return j.Unwrap()
		}
	}
	return []error{err}
}

// schemaWarning says which operations of a document declare no response
// schema, whose responses pass unfiltered (or are all refused under
// enforce), or returns nil.
func schemaWarning(doc string, responses validate.Mode, ops []string) error {
	if len(ops) == 0 || responses == validate.Off {
		return nil
	}
	list := strings.Join(ops[:min(len(ops), 10)], ", ")
	if len(ops) > 10 {
		list += fmt.Sprintf(" and %d more", len(ops)-10)
	}
	if responses == validate.Enforce {
		return fmt.Errorf("enforce: %d operation(s) in %s declare no response schema; their responses are refused with 502 after the upstream has run them: %s", len(ops), doc, list)
	}
	return fmt.Errorf("%d operation(s) in %s declare no response schema; their responses pass unfiltered: %s", len(ops), doc, list)
}
