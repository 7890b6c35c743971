package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/rampart-api/rampart/scan"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

// sarifInvocation says whether the scan ran every check: an incomplete
// scan is executionSuccessful false, with one error notification per
// reason.
type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	HelpURI              string         `json:"helpUri"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration map[string]any `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifResult struct {
	RuleID     string            `json:"ruleId"`
	RuleIndex  int               `json:"ruleIndex"`
	Level      string            `json:"level"`
	Message    sarifText         `json:"message"`
	Locations  []sarifLocation   `json:"locations"`
	Finger     map[string]string `json:"partialFingerprints"`
	Properties map[string]any    `json:"properties"`
}

type sarifLocation struct {
	Physical struct {
		Artifact struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine int `json:"startLine"`
		} `json:"region"`
	} `json:"physicalLocation"`
}

// securitySeverity maps severities onto GitHub's CVSS-like scale.
var securitySeverity = map[scan.Severity]string{scan.Critical: "9.5", scan.High: "8.0", scan.Medium: "5.5", scan.Low: "3.0", scan.Info: "0.0"}

func level(s scan.Severity) string {
	switch {
	case s >= scan.High:
		return "error"
	case s == scan.Medium:
		return "warning"
	}
	return "note"
}

func writeSARIF(w io.Writer, rep *scan.Report, opts Options) error {
	d := sarifDriver{Name: "rampart-scan", InformationURI: "https://github.com/rampart-api/rampart", Version: opts.Version}
	index := map[string]int{}
	for i, r := range scan.Checks {
		index[r.ID] = i
		tags := []string{"security", r.OWASP, r.Family}
		if r.CWE != 0 {
			tags = append(tags, fmt.Sprintf("external/cwe/cwe-%d", r.CWE))
		}
		d.Rules = append(d.Rules, sarifRule{
			ID: r.ID, Name: r.Title, ShortDescription: sarifText{r.Title}, FullDescription: sarifText{r.Title + " (OWASP " + r.OWASP + cwe(r.CWE, ", ") + ")"},
			HelpURI: r.HelpURI(), Help: sarifText{"Rampart: " + r.Remedy + " In the application: " + r.Fix},
			DefaultConfiguration: map[string]any{"level": level(r.Severity)},
			Properties:           map[string]any{"security-severity": securitySeverity[r.Severity], "tags": tags},
		})
	}
	results := []sarifResult{}
	for _, f := range rep.Findings {
		res := sarifResult{RuleID: f.Check, RuleIndex: index[f.Check], Level: level(f.Severity),
			Message:    sarifText{f.Operation + ": " + f.Detail + " Fix: " + f.Remedy},
			Finger:     map[string]string{"rampartFinding/v1": f.Check + " " + f.Operation},
			Properties: map[string]any{"operation": f.Operation, "owasp": f.OWASP, "severity": f.Severity.String(), "request": f.Evidence.Request, "status": f.Evidence.Status, "response": f.Evidence.Response}}
		if len(f.Occurrences) > 0 {
			res.Properties["occurrences"] = f.Occurrences
		}
		if f.Fix != "" {
			res.Properties["fix"] = f.Fix
		}
		var loc sarifLocation
		loc.Physical.Artifact.URI = url(rep, f)
		loc.Physical.Region.StartLine = 1
		res.Locations = []sarifLocation{loc}
		results = append(results, res)
	}
	inv := sarifInvocation{ExecutionSuccessful: rep.Complete()}
	for _, e := range rep.Errors {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "error", Message: sarifText{"scan incomplete: " + e}})
	}
	for _, s := range rep.Skipped {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "note", Message: sarifText{"skipped: " + s}})
	}
	props := map[string]any{"status": string(rep.Status)}
	if rep.Auth != "" {
		props["auth"] = rep.Auth
	}
	if rep.Source != "" {
		props["source"] = rep.Source
	}
	if len(rep.Baseline) > 0 {
		props["baseline"] = rep.Baseline
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0",
		Runs: []sarifRun{{Tool: sarifTool{d}, Invocations: []sarifInvocation{inv}, Results: results, Properties: props}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
