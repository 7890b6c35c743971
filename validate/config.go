package validate

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"runtime"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/jsonlimits"
	"github.com/rampart-api/rampart/problem"
)

// Mode says what a check does with what it finds.
type Mode string

// Modes. Not every check accepts every mode: Filter is for responses only.
const (
	// Off skips the check.
	Off Mode = "off"
	// Report lets the request or response pass and emits an event.
	Report Mode = "report"
	// Enforce refuses: 400 for a request, 404 for an undocumented
	// endpoint, 502 for a response (after filtering it).
	Enforce Mode = "enforce"
	// Filter removes undeclared response properties and emits an event.
	Filter Mode = "filter"
)

// Defaults for zero Config fields.
const (
	DefaultMaxBody         = 1 << 20
	DefaultMaxResponseBody = 4 << 20
	DefaultMaxErrors       = 10
)

// Config describes one upstream's validation. Exactly one of Document and
// File is required. Zero modes take the secure defaults: requests enforce,
// responses filter, inventory enforce.
type Config struct {
	// Document is an OpenAPI 3.0 or 3.1 document, YAML or JSON.
	Document []byte
	// File is the path of the document, read once by New.
	File string

	Requests  Mode // enforce (default), report, off
	Responses Mode // filter (default), enforce, report, off
	Inventory Mode // enforce (default), report, off

	// RejectUnknownProperties refuses request body properties the schema
	// does not declare even where it lacks additionalProperties: false.
	RejectUnknownProperties bool

	// MaxBody bounds the request body read for validation (default 1 MiB);
	// more is a 413.
	MaxBody int64
	// MaxResponseBody bounds the response body buffered for filtering or
	// enforcing (default 4 MiB). A longer JSON response is a 502 under
	// filter and enforce, since it could not be checked; report passes it.
	MaxResponseBody int64
	// MaxErrors bounds the field errors in one 400 (default 10).
	MaxErrors int
	// Limits applies structural limits (depth, sizes, duplicate keys,
	// UTF-8, charset, byte order marks, Content-Type) and the request
	// encoding policy to the body before the schema; nil means the
	// defaults of package jsonlimits, which refuse encoded bodies.
	Limits *jsonlimits.Limits

	// Budget, when set, bounds the memory that responses held for
	// checking take together, across every response that shares it: a
	// buffer is charged as bytes arrive (never from Content-Length) and
	// released once its response is written. A response that would pass
	// it is a 503 under filter and enforce, and streams unchecked under
	// report. Nil bounds each response by MaxResponseBody alone.
	Budget Budget

	// ErrorHandler renders refusals; nil means [problem.Write].
	ErrorHandler problem.ErrorHandler
	// Events receives security events; nil discards them.
	Events *audit.Logger
}

// Budget is memory shared by many buffers. Implementations must be safe
// for concurrent use.
type Budget interface {
	// Take reserves n bytes, or reports false and reserves nothing when
	// that would pass the bound.
	Take(n int64) bool
	// Release returns n bytes taken earlier.
	Release(n int64)
}

// Config errors, matched with [errors.Is] on what [New] returns.
var (
	ErrNoDocument  = errors.New("validate: one of Document and File is required")
	ErrTwoDocument = errors.New("validate: Document and File are exclusive")
	ErrDocument    = errors.New("validate: invalid OpenAPI document")
)

// DocumentError reports why the OpenAPI document is refused. It wraps
// [ErrDocument] and the loader's own error; Reason is the explanation
// without the package prefix, for callers that name the document
// themselves.
type DocumentError struct {
	Reason string
	Err    error
}

func (e *DocumentError) Error() string { return ErrDocument.Error() + ": " + e.Reason }

// Unwrap returns [ErrDocument] and Err.
func (e *DocumentError) Unwrap() []error { return []error{ErrDocument, e.Err} }

// InvalidModeError reports a mode a check does not accept.
type InvalidModeError struct {
	Field string
	Mode  Mode
}

func (e *InvalidModeError) Error() string {
	return fmt.Sprintf("validate: %s mode %q is not one of the accepted modes", e.Field, e.Mode)
}

// InvalidLimitError reports a negative bound.
type InvalidLimitError struct {
	Field string
	Value int64
}

func (e *InvalidLimitError) Error() string {
	return fmt.Sprintf("validate: %s must not be negative, got %d", e.Field, e.Value)
}

// Validator checks requests and responses against one document. It is
// immutable after New and safe for concurrent use.
type Validator struct {
	doc       *openapi3.T
	router    *router
	requests  Mode
	responses Mode
	inventory Mode
	strict    bool
	maxBody   int64
	maxResp   int64
	budget    Budget
	// decoding holds a slot per response being decoded and filtered.
	decoding     chan struct{}
	maxErrors    int
	limits       *jsonlimits.Limits
	errorHandler problem.ErrorHandler
	events       *audit.Logger
	options      *openapi3filter.Options
	is31         bool
	// as30 and walked: the operations of a 3.1 document validated by
	// kin-openapi's schema walker, and the copy of the document their
	// routes carry (see engine.go).
	as30   *openapi3.T
	walked map[*openapi3.Operation]bool
	// unschematized holds the operations whose responses give no schema:
	// filter passes them unchanged.
	unschematized map[*openapi3.Operation]bool
	// withoutSchema lists them as "METHOD path", sorted.
	withoutSchema []string
	// shapes holds the compiled shape of every response schema.
	shapes shapes
	// patterns holds the document's compiled patternProperties.
	patterns namePatterns
	// structured holds the response schemas the filter reads something
	// of (see [shape.reads]): a body that is not JSON cannot be held to
	// them.
	structured map[*openapi3.Schema]bool
	// plans holds the parameter plan of each operation that has one.
	plans map[*openapi3.Operation]*paramPlan
}

// New loads and validates the document and checks every field of cfg,
// returning all problems at once. External $refs are not followed: a
// document must not make the gateway fetch URLs or read other files.
func New(cfg Config) (*Validator, error) {
	var errs []error
	mode := func(field string, m, def Mode, allowed ...Mode) Mode {
		if m == "" {
			return def
		}
		for _, a := range allowed {
			if m == a {
				return m
			}
		}
		errs = append(errs, &InvalidModeError{Field: field, Mode: m})
		return def
	}
	bound := func(field string, v, def int64) int64 {
		switch {
		case v < 0:
			errs = append(errs, &InvalidLimitError{Field: field, Value: v})
		case v == 0:
			return def
		}
		return v
	}
	v := &Validator{
		requests:     mode("Requests", cfg.Requests, Enforce, Enforce, Report, Off),
		responses:    mode("Responses", cfg.Responses, Filter, Filter, Enforce, Report, Off),
		inventory:    mode("Inventory", cfg.Inventory, Enforce, Enforce, Report, Off),
		strict:       cfg.RejectUnknownProperties,
		maxBody:      bound("MaxBody", cfg.MaxBody, DefaultMaxBody),
		maxResp:      bound("MaxResponseBody", cfg.MaxResponseBody, DefaultMaxResponseBody),
		maxErrors:    int(bound("MaxErrors", int64(cfg.MaxErrors), DefaultMaxErrors)),
		budget:       cfg.Budget,
		decoding:     make(chan struct{}, runtime.GOMAXPROCS(0)),
		limits:       cfg.Limits,
		errorHandler: cfg.ErrorHandler,
		events:       cfg.Events,
	}
	if v.errorHandler == nil {
		v.errorHandler = problem.Write
	}
	if v.limits == nil {
		var err error
		if v.limits, err = jsonlimits.New(jsonlimits.Config{MaxBody: max(v.maxBody, 1)}); err != nil {
			errs = append(errs, err)
		}
	}
	doc, err := load(cfg)
	if err != nil {
		errs = append(errs, err)
	} else {
		v.doc = doc
		v.is31 = doc.IsOpenAPI31OrLater()
		v.as30, v.walked = walkerRoutes(doc)
		v.unschematized = map[*openapi3.Operation]bool{}
		v.shapes = shapes{}
		v.structured = map[*openapi3.Schema]bool{}
		if v.patterns, err = compilePatterns(doc); err != nil {
			errs = append(errs, err)
		}
		v.plans = map[*openapi3.Operation]*paramPlan{}
		for _, path := range doc.Paths.InMatchingOrder() {
			item := doc.Paths.Value(path)
			for method, op := range item.Operations() {
				v.compileResponses(op)
				if plan := compileParams(doc, item, op); plan != nil {
					v.plans[op] = plan
				}
				if withoutResponseSchema(op) {
					v.unschematized[op] = true
					v.withoutSchema = append(v.withoutSchema, method+" "+path)
				}
			}
		}
		slices.Sort(v.withoutSchema)
		// The router matches the request path against the document's
		// paths as written, whatever its servers say.
		if v.router, err = newRouter(doc); err != nil {
			errs = append(errs, &DocumentError{Reason: "building router: " + err.Error(), Err: err})
		}
	}
	v.options = &openapi3filter.Options{
		MultiError: true,
		// Rampart's authenticators have verified credentials already; the
		// document's security schemes are not re-checked here.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// The upstream must receive the body the client sent.
		SkipSettingDefaults: true,
		KeepValidatedValue:  true,
		// The library checks only date and date-time by default; these
		// apply to this validator alone, not the library's global registry.
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidators(formats)},
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return v, nil
}

// WithoutResponseSchema lists the operations, as "METHOD /path", whose
// document gives no schema for any 2xx or default response. Under
// [Filter] and [Report] their responses pass unchanged, since nothing says
// what they may carry; under [Enforce] they are refused with 502, after
// the upstream has run the request.
func (v *Validator) WithoutResponseSchema() []string {
	return slices.Clone(v.withoutSchema)
}

func load(cfg Config) (*openapi3.T, error) {
	switch {
	case cfg.Document == nil && cfg.File == "":
		return nil, ErrNoDocument
	case cfg.Document != nil && cfg.File != "":
		return nil, ErrTwoDocument
	}
	data := cfg.Document
	var location *url.URL
	if cfg.File != "" {
		var err error
		if data, err = os.ReadFile(cfg.File); err != nil {
			return nil, &DocumentError{Reason: "reading " + cfg.File + ": " + err.Error(), Err: err}
		}
		location = &url.URL{Path: cfg.File}
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	var doc *openapi3.T
	var err error
	if location != nil {
		doc, err = loader.LoadFromDataWithPath(data, location)
	} else {
		doc, err = loader.LoadFromData(data)
	}
	if err != nil {
		return nil, &DocumentError{Reason: err.Error(), Err: err}
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, &DocumentError{Reason: err.Error(), Err: err}
	}
	return doc, nil
}

var formats = map[string]openapi3.StringFormatValidator{
	"email": openapi3.NewCallbackValidator(validEmail),
	"uuid":  openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562),
	"ipv4":  openapi3.NewIPValidator(true),
	"ipv6":  openapi3.NewIPValidator(false),
}

// validEmail accepts a bare addr-spec (RFC 5322), not a display name.
func validEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return errInvalidEmail
	}
	return nil
}

var errInvalidEmail = errors.New("validate: not an email address")
