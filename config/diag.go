package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Severity of a [Problem].
type Severity int

const (
	// Error makes the configuration unusable.
	Error Severity = iota
	// Warning is accepted but risky; rampart check prints it.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Problem is one finding about the file, located by line and field path.
type Problem struct {
	// File is the configuration file.
	File string
	// Line is the line of the field, or 0 when the file has none.
	Line int
	// Path is the field's path: routes[2].upstream.
	Path string
	// Message says what is wrong.
	Message string
	// Severity is Error or Warning.
	Severity Severity
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	fmt.Fprintf(&b, ": %s: ", p.Severity)
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Diagnostics are all problems found in one file, errors and warnings.
type Diagnostics []Problem

// HasErrors reports whether any problem is an error.
func (d Diagnostics) HasErrors() bool {
	for _, p := range d {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns the problems that are errors.
func (d Diagnostics) Errors() Diagnostics { return d.filter(Error) }

// Warnings returns the problems that are warnings.
func (d Diagnostics) Warnings() Diagnostics { return d.filter(Warning) }

func (d Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, p := range d {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// String lists the problems one per line, in file order.
func (d Diagnostics) String() string {
	var b strings.Builder
	for _, p := range d {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Err returns the errors as one error, or nil.
func (d Diagnostics) Err() error {
	if !d.HasErrors() {
		return nil
	}
	return &LoadError{Diagnostics: d.Errors()}
}

// LoadError is returned when a configuration has errors.
type LoadError struct {
	// Diagnostics are the errors, in file order.
	Diagnostics Diagnostics
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("config: %d error(s):\n%s", len(e.Diagnostics), strings.TrimRight(e.Diagnostics.String(), "\n"))
}

func (d Diagnostics) sorted() Diagnostics {
	sort.SliceStable(d, func(i, j int) bool {
		if d[i].Line != d[j].Line {
			return d[i].Line < d[j].Line
		}
		return d[i].Severity < d[j].Severity
	})
	return d
}

// FieldError is an error found in one field of the file after loading,
// when the compiled features see what loading does not (the gateway
// compiles OpenAPI documents and WAF rules). Path is the field's path in
// the file as [Problem.Path] writes it: "routes[3].waf.paranoia",
// "upstreams.app.openapi". [Config.Locate] turns it into a located
// [Problem].
type FieldError struct {
	// Path is the field's path in the file.
	Path string
	// Err is what is wrong with it.
	Err error
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

// Locate turns an error from compiling c, such as gateway.Check's, into
// problems of the file: every [*FieldError] it holds gets the line of its
// path. Errors without a field are listed at the file, without a line.
func (c *Config) Locate(err error) Diagnostics {
	if err == nil {
		return nil
	}
	var out Diagnostics
	for _, e := range flatten(err) {
		p := Problem{File: c.File, Message: e.Error(), Severity: Error}
		var fe *FieldError
		if errors.As(e, &fe) {
			v := validator{lines: c.lines}
			p.Path, p.Line, p.Message = fe.Path, v.line(fe.Path), fe.Err.Error()
		}
		out = append(out, p)
	}
	return out.sorted()
}

// flatten lists the errors an errors.Join tree holds, down to each
// [*FieldError]. A wrapper around errors that hold field errors is dropped:
// the field's path says more than the wrapper's prefix.
func flatten(err error) []error {
	var fe *FieldError
	if _, ok := err.(*FieldError); ok || !errors.As(err, &fe) {
		return []error{err}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if u := errors.Unwrap(err); u != nil {
		return flatten(u)
	}
	return []error{err}
}
