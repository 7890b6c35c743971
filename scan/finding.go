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

// Finding is one weakness: one check on one root cause. The same check on
// the same normalised operation (any method, any capitalisation of the
// path, any identity) is one finding listing its occurrences.
type Finding struct {
	// Check is the check id, e.g. "auth.alg-none"; see [Checks].
	Check string `json:"check"`
	// Family is the check's family, e.g. "authentication"; see [Families].
	Family    string   `json:"family"`
	Title     string   `json:"title"`
	OWASP     string   `json:"owasp"`
	CWE       int      `json:"cwe,omitempty"`
	Severity  Severity `json:"severity"`
	Operation string   `json:"operation"`
	// Occurrences are the other operations (methods, case variants,
	// identities) where the same root cause showed, sorted.
	Occurrences []string `json:"occurrences,omitempty"`
	// Detail says what was observed, in a sentence.
	Detail   string   `json:"detail"`
	Evidence Evidence `json:"evidence"`
	// Remedy is the Rampart setting that fixes the finding at the gateway.
	Remedy string `json:"remedy"`
	// Fix is what to change in the application itself.
	Fix string `json:"fix,omitempty"`
}

// Status says whether a scan ran every check it meant to.
type Status string

// Statuses.
const (
	// Complete means every selected check ran within the budget.
	Complete Status = "complete"
	// Incomplete means some checks could not run: the budget ran out,
	// every identity was refused or the target stopped answering. A clean
	// incomplete report proves nothing.
	Incomplete Status = "incomplete"
)

// Report is the result of one scan.
type Report struct {
	Target string `json:"target"`
	// Status is [Complete] or [Incomplete]; Errors say why a scan is
	// incomplete.
	Status   Status        `json:"status"`
	Errors   []string      `json:"errors,omitempty"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	// Requests is the number of requests sent, never above the budget.
	Requests int `json:"requests"`
	// Source says where the operations came from: an OpenAPI 3 document,
	// a converted Swagger 2.0 document, or crawling.
	Source string `json:"source,omitempty"`
	// Auth says how identities' tokens were sent, e.g. "Authorization:
	// Bearer TOKEN", and whether that was given or learnt.
	Auth string `json:"auth,omitempty"`
	// Baseline says what the answers to absent paths and case variants
	// showed (a catch-all, a case-insensitive router); findings that
	// matched it were dropped.
	Baseline []string `json:"baseline,omitempty"`
	// Skipped lists checks that did not run, each with its reason.
	Skipped []string `json:"skipped,omitempty"`
	// Operations are the operations probed, "METHOD /path/{param}".
	Operations []string  `json:"operations"`
	Findings   []Finding `json:"findings"`
	// Notes say anything else worth knowing about the run.
	Notes []string `json:"notes,omitempty"`
}

// Complete reports whether every selected check ran.
func (r *Report) Complete() bool { return r.Status != Incomplete }

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
