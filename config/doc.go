// Package config reads rampart.yaml: strict decoding (an unknown key is an
// error with its line), secrets only by reference, and validation that
// reports every problem at once with its file, line and field path.
//
// Secrets are written as ${env:NAME} or ${file:PATH} (relative paths are
// relative to the config file). Their values are resolved at load time and
// are never printed: [Secret] formats as "[redacted]".
//
//	cfg, diags := config.Load("rampart.yaml")
//	if diags.HasErrors() {
//		fmt.Fprint(os.Stderr, diags)
//		os.Exit(2)
//	}
//
// Loading has no side effects beyond reading the file and the secrets it
// names; a running gateway swaps in a new configuration only once it has
// loaded and compiled without errors.
package config
