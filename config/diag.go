package config

import (
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
	File     string
	Line     int
	Path     string
	Message  string
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
type LoadError struct{ Diagnostics Diagnostics }

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
