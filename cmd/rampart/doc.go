// Command rampart fortifies HTTP APIs: a gateway (serve), a config linter
// (check), a self-contained demo (demo), development keys and tokens
// (token) and an attack scanner (scan).
//
//	rampart serve --config rampart.yaml
//	rampart check --config rampart.yaml
//	rampart demo
//	rampart scan https://staging.example.com --format sarif --out rampart.sarif
package main
