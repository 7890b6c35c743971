// Package scan is an API attack scanner: it probes a running HTTP API for
// the OWASP API Security Top 10 (2023) weaknesses that Rampart fortifies
// against, and reports each finding with evidence and the Rampart setting
// that fixes it.
//
// The scanner only ever contacts the target's origin, spends at most
// MaxRequests requests at RPS requests per second, and sends writes with
// side effects only when Unsafe is set.
//
// The [Scanner.Run] example gates a CI build on the report.
//
// Before any check, a scan fingerprints what paths that cannot exist get
// (a catch-all is never a finding), learns where the API takes tokens
// (unless [Config.Auth] says) and which identities it refuses, and reads
// each identity's own ids. A report is [Incomplete] when the budget ran
// out, every identity was refused or the target stopped answering; the
// same check on the same operation is one [Finding] listing its
// occurrences.
//
// Package [github.com/rampart-api/rampart/scan/report] renders a [Report] as
// text, JSON, SARIF 2.1.0, JUnit XML or a self-contained HTML page.
package scan
