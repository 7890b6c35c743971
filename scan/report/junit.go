package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/rampart-api/rampart/scan"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// writeJUnit writes a suite per family and a test case per check and
// operation: a failing case per finding, a passing case per check that
// found nothing.
func writeJUnit(w io.Writer, rep *scan.Report) error {
	out := junitSuites{Name: "rampart scan " + rep.Target}
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
				body := fmt.Sprintf("%s\nrequest: %s\nresponse: %d %s\nfix: %s", f.Detail, f.Evidence.Request, f.Evidence.Status, f.Evidence.Response, f.Remedy)
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
