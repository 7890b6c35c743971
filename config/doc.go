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
// Loading has no side effects beyond reading the file and the secrets it
// names; a running gateway swaps in a new configuration only once it has
// loaded and compiled without errors.
package config
