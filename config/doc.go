// Package config reads rampart.yaml: strict decoding (an unknown key is an
// error with its line), secrets only by reference, and validation that
// reports every problem at once with its file, line and field path.
//
// Secrets are written as ${env:NAME} or ${file:PATH} (relative paths are
// relative to the config file). Their values are resolved at load time and
// are never printed: [Secret] formats as "[redacted]".
//
// The [Load] example reports a file's problems and stops.
//
// Loading runs in one order: strict decoding (a key the file format does
// not know, a wrong type or a YAML syntax error is a problem at its line),
// then resolution, once (references become values, relative paths
// become absolute, OpenAPI documents are read), then defaults, once, and
// last validation, which only reads the result. Each feature's rules are
// its own package's (jwt.Config.Validate, cors.Config.Validate, …): config
// maps the field a feature names to the file's path and line, and adds
// the warnings about risky settings. The gateway compiles the values it
// finds and neither resolves nor defaults anything again.
//
// Loading has no side effects beyond reading the file and the files it
// names; a running gateway swaps in a new configuration only once it has
// loaded and compiled without errors.
package config
