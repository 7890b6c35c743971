package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

func newCheckCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Lint a config file: every error and warning, with file, line and field",
		Long: `Check a config file without starting anything. Errors (exit code 2) make
the file unusable; warnings (exit code 0) point at risky settings: routes
without authentication that do not say auth: none, literal secrets, the
"dangerously_…" switches, trusting every proxy.

A file without errors is then compiled as serve compiles it — key files and
secrets read and measured, OpenAPI documents, WAF rules and route tables
built — without binding a port, dialling Redis or fetching JWKS, so that
check and serve accept exactly the same files. The keys read are listed
with their type and size.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return check(path, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "rampart.yaml", "config file")
	return cmd
}

func check(path string, out io.Writer) error {
	cfg, diags := config.Load(path)
	fmt.Fprint(out, diags.String())
	errs, warns := len(diags.Errors()), len(diags.Warnings())
	if errs == 0 {
		warnings, err := gateway.Lint(cfg)
		// What the compiled features find names its field, so it gets
		// its line like the loader's own problems.
		found := cfg.Locate(err)
		for _, w := range warnings {
			for _, p := range cfg.Locate(w) {
				p.Severity = config.Warning
				found = append(found, p)
				warns++
			}
		}
		for _, p := range found {
			for _, line := range strings.Split(p.Message, "\n") {
				p.Message = line
				fmt.Fprintln(out, p.String())
				if p.Severity == config.Error {
					errs++
				}
			}
		}
		if err == nil {
			describeKeys(out, path, cfg)
		}
	}
	if errs > 0 {
		return &exitError{Code: 2, Err: fmt.Errorf("%s: %d error(s), %d warning(s)", path, errs, warns)}
	}
	fmt.Fprintf(out, "%s: ok, %d warning(s)\n", path, warns)
	return nil
}

// describeKeys lists the static verification keys the file configures,
// by type and size; never their material.
func describeKeys(out io.Writer, path string, cfg *config.Config) {
	if cfg.Auth.JWT == nil {
		return
	}
	desc, err := jwt.Check(cfg.Auth.JWT.Config())
	if err != nil {
		return
	}
	for i, keys := range desc {
		for _, d := range keys {
			fmt.Fprintf(out, "%s: info: auth.jwt.issuers[%d]: %s\n", path, i, d)
		}
	}
}
