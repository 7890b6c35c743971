// Package waf is a web application firewall middleware: Coraza v3 running
// the request rules of the embedded OWASP Core Rule Set v4, with CRS
// anomaly scoring, a paranoia level, detect-only mode and rule exclusions.
//
// A blocked request gets a 403 problem+json without rule text, and the
// security event stream gets an [audit.WAFBlocked] event with the matched
// rule ids and the anomaly score. Coraza's own audit and debug logs are
// off, so request content is never written anywhere. Bodies are inspected
// in memory up to MaxBodyBytes and passed on intact; responses are not
// inspected.
//
// Building a WAF parses and compiles the whole CRS (hundreds of
// milliseconds): build one per distinct Config and share it across routes.
//
// The @rx operator the CRS relies on runs on RE2 (go-re2, compiled to Go,
// so no cgo) rather than Go's regexp, which has no DFA; Go's regexp still
// matches input that is not valid UTF-8, where the two engines differ.
// RE2 keeps its compiled patterns and their caches in memory of its own,
// outside the Go heap: GOMEMLIMIT does not bound it and it is not returned
// to the system (about 30 MB on random traffic; at most 128 MiB a
// pattern), so a process facing hostile traffic wants an OS memory limit.
// Matches and captures are those of Coraza's own operator. Coraza keeps
// operators in one registry per process, so importing this package gives
// every Coraza WAF in the program this operator.
//
// The [Firewall.Handler] example blocks an injection; [Firewall.Close]
// releases the compiled rules once a firewall no longer serves.
package waf
