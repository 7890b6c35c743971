// Package report renders a [scan.Report] as text, JSON, SARIF 2.1.0 (for
// GitHub code scanning), JUnit XML (a test case per check and operation)
// or one self-contained HTML page.
//
// See the [Write] example.
//
// Reports carry only the masked evidence the scanner stored; nothing here
// sees a token or a secret.
package report
