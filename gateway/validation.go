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
	limitsErr  error
	validators map[string]built[*validate.Validator]
	wafs       map[string]built[*waf.Firewall]
	// warnings are what compiling found risky but valid; see [Lint].
	warnings []error
}

// built remembers a construction, failed or not, so that it runs once.
type built[T any] struct {
	v   T
	err error
}

// routeValidation returns the request validation and WAF middlewares of
// one route, which run after authorization and before the proxy: the
// OpenAPI validator (which applies the structural limits first) or, for an
// upstream without a document, the structural limits alone; then the WAF.
// Cheap checks come first so that a malformed body never costs a WAF pass,
// and an undocumented endpoint never reaches the WAF.
//
// Errors in a document or a WAF setting are [*config.FieldError] values
// naming the field of the file, so that rampart check prints its line.
func (g *Gateway) routeValidation(cfg *config.Config, i int) ([]rampart.Middleware, error) {
	rc := cfg.Routes[i]
	lim, err := g.jsonLimits(cfg)
	if err != nil {
		return nil, err
	}
	var mws []rampart.Middleware
	if u := cfg.Upstreams[rc.Upstream]; u.OpenAPI != "" || u.Document != nil {
		v, err := g.validator(cfg, rc.Upstream, u, lim)
		if err != nil {
			return nil, err
		}
		if validate.Mode(u.Validation.Requests) == validate.Off {
			// The structural limits, charsets, encodings and the
			// _method refusal hold on every route, whatever the
			// document's request mode.
			mws = append(mws, lim.Handler)
		}
		mws = append(mws, v.Handler)
	} else {
		mws = append(mws, lim.Handler)
	}
	if rc.WAF.On() {
		w, err := g.waf(rc.WAF)
		if err != nil {
			return nil, wafFieldErrors(fmt.Sprintf("routes[%d].waf", i), err)
		}
		mws = append(mws, w.Handler)
	}
	return mws, nil
}

func (g *Gateway) jsonLimits(cfg *config.Config) (*jsonlimits.Limits, error) {
	c := &g.checks
	if c.limits == nil && c.limitsErr == nil {
		lc := cfg.Limits.JSONLimits(cfg.Server.MaxBodyBytes)
		lc.Events = g.opts.Events
		if c.limits, c.limitsErr = jsonlimits.New(lc); c.limitsErr != nil {
			c.limitsErr = fmt.Errorf("limits: %w", c.limitsErr)
		}
	}
	return c.limits, c.limitsErr
}

// validator builds the upstream's validator from the document the
// configuration checked at load time, or reads it when the configuration
// was built in code.
func (g *Gateway) validator(cfg *config.Config, name string, u config.Upstream, lim *jsonlimits.Limits) (*validate.Validator, error) {
	c := &g.checks
	if b, ok := c.validators[name]; ok {
		return b.v, b.err
	}
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
		c.validators = map[string]built[*validate.Validator]{}
	}
	c.validators[name] = built[*validate.Validator]{v, err}
	return v, err
}

// waf returns the WAF for wc's settings, compiling it the first time.
func (g *Gateway) waf(wc *config.WAF) (*waf.Firewall, error) {
	c := &g.checks
	key := wc.Key()
	if b, ok := c.wafs[key]; ok {
		return b.v, b.err
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
	return w, err
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
