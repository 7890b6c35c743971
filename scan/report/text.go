package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/rampart-api/rampart/scan"
)

var colors = map[scan.Severity]string{scan.Critical: "\x1b[1;35m", scan.High: "\x1b[1;31m", scan.Medium: "\x1b[33m", scan.Low: "\x1b[36m", scan.Info: "\x1b[2m"}

func writeText(w io.Writer, rep *scan.Report, opts Options) error {
	var b strings.Builder
	paint := func(s scan.Severity, text string) string {
		if !opts.Color {
			return text
		}
		return colors[s] + text + "\x1b[0m"
	}
	fmt.Fprintf(&b, "rampart scan %s: %d findings, %d requests, %d operations\n", rep.Target, len(rep.Findings), rep.Requests, len(rep.Operations))
	if !rep.Complete() {
		fmt.Fprintf(&b, "%s\n", paint(scan.High, "SCAN INCOMPLETE: a clean result proves nothing"))
		for _, e := range rep.Errors {
			fmt.Fprintf(&b, "  error: %s\n", e)
		}
	}
	for _, l := range []struct{ k, v string }{{"source", rep.Source}, {"auth", rep.Auth}} {
		if l.v != "" {
			fmt.Fprintf(&b, "%s: %s\n", l.k, l.v)
		}
	}
	for _, s := range rep.Baseline {
		fmt.Fprintf(&b, "baseline: %s\n", s)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(&b, "skipped: %s\n", s)
	}
	var sums []string
	for _, c := range bySeverity(rep) {
		if c.N > 0 {
			sev, _ := scan.ParseSeverity(c.Name)
			sums = append(sums, paint(sev, fmt.Sprintf("%d %s", c.N, c.Name)))
		}
	}
	if len(sums) > 0 {
		fmt.Fprintf(&b, "%s\n", strings.Join(sums, ", "))
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "\n%s %s [%s%s] %s\n", paint(f.Severity, strings.ToUpper(f.Severity.String())), f.Check, f.OWASP, cwe(f.CWE, ", "), f.Title)
		fmt.Fprintf(&b, "  operation: %s\n", f.Operation)
		if len(f.Occurrences) > 0 {
			fmt.Fprintf(&b, "  also:      %s\n", strings.Join(f.Occurrences, ", "))
		}
		fmt.Fprintf(&b, "  %s\n", f.Detail)
		fmt.Fprintf(&b, "  request:   %s\n", f.Evidence.Request)
		if f.Evidence.Status != 0 || f.Evidence.Response != "" {
			fmt.Fprintf(&b, "  response:  %d %s\n", f.Evidence.Status, f.Evidence.Response)
		}
		fmt.Fprintf(&b, "  rampart:   %s\n", f.Remedy)
		if f.Fix != "" {
			fmt.Fprintf(&b, "  in code:   %s\n", f.Fix)
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "\nnote: %s", n)
	}
	if len(rep.Notes) > 0 {
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cwe renders a CWE id after sep, or nothing for 0.
func cwe(id int, sep string) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf("%sCWE-%d", sep, id)
}
