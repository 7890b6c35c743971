package scan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Severity ranks a finding. The zero value is [Info].
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses "info", "low", "medium", "high" or "critical".
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownSeverity, s)
}

// MarshalText renders the severity name, so JSON reports carry words.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Evidence shows what was sent and what came back. Tokens, secrets and
// sensitive field values are masked before they are stored here.
type Evidence struct {
	// Request is the request line plus any header that matters to the
	// finding, e.g. "GET /api/users/2 (Authorization: Bearer eyJh…[masked])".
	Request string `json:"request"`
	// Status is the response status code, 0 when no response applies.
	Status int `json:"status,omitempty"`
	// Response is a short masked excerpt of the response headers or body.
	Response string `json:"response,omitempty"`
}

// Finding is one weakness found in one operation.
type Finding struct {
	// Check is the check id, e.g. "auth.alg-none"; see [Checks].
	Check     string   `json:"check"`
	Title     string   `json:"title"`
	OWASP     string   `json:"owasp"`
	Severity  Severity `json:"severity"`
	Operation string   `json:"operation"`
	// Detail says what was observed, in a sentence.
	Detail   string   `json:"detail"`
	Evidence Evidence `json:"evidence"`
	Remedy   string   `json:"remedy"`
}

// Report is the result of one scan.
type Report struct {
	Target   string        `json:"target"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	// Requests is the number of requests sent, never above the budget.
	Requests int `json:"requests"`
	// Operations are the operations probed, "METHOD /path/{param}".
	Operations []string  `json:"operations"`
	Findings   []Finding `json:"findings"`
	// Notes say what was skipped and why (no identities, budget spent…).
	Notes []string `json:"notes,omitempty"`
}

// Worst returns the highest severity among the findings, or -1 when there
// are none.
func (r *Report) Worst() Severity {
	w := Severity(-1)
	for _, f := range r.Findings {
		w = max(w, f.Severity)
	}
	return w
}

// CountAtLeast returns how many findings are at or above s.
func (r *Report) CountAtLeast(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= s {
			n++
		}
	}
	return n
}

// Sort orders findings by severity (highest first), then check id, then
// operation, so reports are stable across runs.
func (r *Report) Sort() {
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Operation, b.Operation))
	})
	slices.Sort(r.Operations)
}
