package jsonlimits

import (
	"errors"
	"fmt"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/problem"
)

// Defaults used for a zero Config field.
const (
	DefaultMaxDepth      = 32
	DefaultMaxArray      = 10_000
	DefaultMaxString     = 1 << 20
	DefaultMaxProperties = 1_000
	DefaultMaxBody       = 1 << 20
)

// Config sets the limits. A zero field takes its default; a negative one is
// an error: there is no way to switch a limit off.
type Config struct {
	// MaxDepth is the deepest nesting of objects and arrays (default 32).
	MaxDepth int
	// MaxArray is the most elements one array may hold (default 10 000).
	MaxArray int
	// MaxString is the longest string, key or value, in bytes after
	// unescaping (default 1 MiB).
	MaxString int
	// MaxProperties is the most properties one object may hold (default
	// 1 000).
	MaxProperties int
	// MaxBody bounds how much of a request body [Limits.Handler] reads
	// (default 1 MiB); a longer body is answered 413.
	MaxBody int64
	// RequestEncoding is what [Limits.ReadRequest] does with a request
	// Content-Encoding: [EncodingRefuse] (the default, 415) or
	// [EncodingDecode].
	RequestEncoding Encoding

	// ErrorHandler renders refusals; nil means [problem.Write].
	ErrorHandler problem.ErrorHandler
	// Events receives a validation.failed event per refusal; nil discards.
	Events *audit.Logger
}

// InvalidLimitError reports a negative limit.
type InvalidLimitError struct {
	Field string
	Value int64
}

func (e *InvalidLimitError) Error() string {
	return fmt.Sprintf("jsonlimits: %s must not be negative, got %d", e.Field, e.Value)
}

// InvalidEncodingError reports a RequestEncoding that is not one of the
// [Encoding] constants.
type InvalidEncodingError struct {
	Value Encoding
}

func (e *InvalidEncodingError) Error() string {
	return fmt.Sprintf("jsonlimits: RequestEncoding %q is not refuse or decode", e.Value)
}

// Limits checks bodies against a fixed set of limits. It is immutable and
// safe for concurrent use.
type Limits struct {
	maxDepth, maxArray, maxString, maxProperties int
	maxBody                                      int64
	encoding                                     Encoding
	errorHandler                                 problem.ErrorHandler
	events                                       *audit.Logger
}

// New validates cfg and returns the Limits it describes. Every invalid field
// is reported, joined with [errors.Join].
func New(cfg Config) (*Limits, error) {
	var errs []error
	pick := func(field string, v, def int) int {
		switch {
		case v < 0:
			errs = append(errs, &InvalidLimitError{Field: field, Value: int64(v)})
		case v == 0:
			return def
		}
		return v
	}
	l := &Limits{
		maxDepth:      pick("MaxDepth", cfg.MaxDepth, DefaultMaxDepth),
		maxArray:      pick("MaxArray", cfg.MaxArray, DefaultMaxArray),
		maxString:     pick("MaxString", cfg.MaxString, DefaultMaxString),
		maxProperties: pick("MaxProperties", cfg.MaxProperties, DefaultMaxProperties),
		maxBody:       cfg.MaxBody,
		encoding:      cfg.RequestEncoding,
		errorHandler:  cfg.ErrorHandler,
		events:        cfg.Events,
	}
	switch {
	case cfg.MaxBody < 0:
		errs = append(errs, &InvalidLimitError{Field: "MaxBody", Value: cfg.MaxBody})
	case cfg.MaxBody == 0:
		l.maxBody = DefaultMaxBody
	}
	switch cfg.RequestEncoding {
	case "":
		l.encoding = EncodingRefuse
	case EncodingRefuse, EncodingDecode:
	default:
		errs = append(errs, &InvalidEncodingError{Value: cfg.RequestEncoding})
	}
	if l.errorHandler == nil {
		l.errorHandler = problem.Write
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

// MaxBody is the body size bound [Limits.Handler] applies.
func (l *Limits) MaxBody() int64 { return l.maxBody }
