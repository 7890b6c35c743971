package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rampart-api/rampart/scan"
)

// Format names an output format.
type Format string

// Formats.
const (
	Text  Format = "text"
	JSON  Format = "json"
	SARIF Format = "sarif"
	JUnit Format = "junit"
	HTML  Format = "html"
)

// Formats lists every format, for flag help.
var Formats = []Format{Text, JSON, SARIF, JUnit, HTML}

// ErrFormat is returned for an unknown format.
var ErrFormat = errors.New("report: unknown format")

// ParseFormat parses a format name.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(s))
	if !slices.Contains(Formats, f) {
		return "", fmt.Errorf("%w: %q (want text, json, sarif, junit or html)", ErrFormat, s)
	}
	return f, nil
}

// Options tune rendering.
type Options struct {
	// Color adds ANSI colours to text output; set it only on a terminal.
	Color bool
	// Version is the scanner version written into SARIF and HTML.
	Version string
}

// Write renders rep in format f to w.
func Write(w io.Writer, f Format, rep *scan.Report, opts Options) error {
	switch f {
	case Text:
		return writeText(w, rep, opts)
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case SARIF:
		return writeSARIF(w, rep, opts)
	case JUnit:
		return writeJUnit(w, rep)
	case HTML:
		return writeHTML(w, rep, opts)
	}
	return fmt.Errorf("%w: %q", ErrFormat, f)
}

// bySeverity counts findings per severity, highest first.
func bySeverity(rep *scan.Report) []count {
	var out []count
	for s := scan.Critical; s >= scan.Info; s-- {
		n := 0
		for _, f := range rep.Findings {
			if f.Severity == s {
				n++
			}
		}
		out = append(out, count{Name: s.String(), N: n})
	}
	return out
}

func byOWASP(rep *scan.Report) []count {
	m := map[string]int{}
	for _, f := range rep.Findings {
		m[f.OWASP]++
	}
	var out []count
	for k, v := range m {
		out = append(out, count{Name: k, N: v})
	}
	slices.SortFunc(out, func(a, b count) int { return owaspOrder(a.Name) - owaspOrder(b.Name) })
	return out
}

func owaspOrder(s string) int {
	var n int
	_, _ = fmt.Sscanf(s, "API%d:", &n)
	return n
}

type count struct {
	Name string
	N    int
}

func url(rep *scan.Report, f scan.Finding) string {
	_, path, _ := strings.Cut(f.Operation, " ")
	if !strings.HasPrefix(path, "/") {
		return strings.TrimRight(rep.Target, "/") + "/"
	}
	return strings.TrimRight(rep.Target, "/") + path
}
