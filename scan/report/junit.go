package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/rampart-api/rampart/scan"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Error     *junitFailure `xml:"error,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// writeJUnit writes a first suite "scan" whose case errors when the scan
// is incomplete and which lists skipped checks, then a suite per family
// and a test case per check and operation: a failing case per finding, a
// passing case per check that found nothing.
func writeJUnit(w io.Writer, rep *scan.Report) error {
	out := junitSuites{Name: "rampart scan " + rep.Target}
	st := junitSuite{Name: "scan"}
	status := junitCase{Name: "scan " + string(rep.Status), Classname: "rampart.scan"}
	if !rep.Complete() {
		status.Error = &junitFailure{Message: "scan incomplete: a clean result proves nothing", Type: "incomplete", Body: strings.Join(rep.Errors, "\n")}
		st.Errors++
	}
	st.Cases = append(st.Cases, status)
	for _, s := range rep.Skipped {
		st.Cases = append(st.Cases, junitCase{Name: "skipped: " + s, Classname: "rampart.scan", Skipped: &junitSkipped{Message: s}})
		st.Skipped++
	}
	st.Tests = len(st.Cases)
	out.Tests += st.Tests
	out.Errors += st.Errors
	out.Suites = append(out.Suites, st)
	for _, fam := range scan.Families {
		s := junitSuite{Name: fam}
		for _, r := range scan.Checks {
			if r.Family != fam {
				continue
			}
			found := false
			for _, f := range rep.Findings {
				if f.Check != r.ID {
					continue
				}
				found = true
				body := fmt.Sprintf("%s\nrequest: %s\nresponse: %d %s\nrampart: %s\nin code: %s", f.Detail, f.Evidence.Request, f.Evidence.Status, f.Evidence.Response, f.Remedy, f.Fix)
				if len(f.Occurrences) > 0 {
					body += "\nalso: " + strings.Join(f.Occurrences, ", ")
				}
				s.Cases = append(s.Cases, junitCase{Name: r.ID + " " + f.Operation, Classname: "rampart.scan." + fam,
					Failure: &junitFailure{Message: f.Severity.String() + ": " + f.Title, Type: f.OWASP, Body: body}})
				s.Failures++
			}
			if !found {
				s.Cases = append(s.Cases, junitCase{Name: r.ID, Classname: "rampart.scan." + fam})
			}
		}
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
