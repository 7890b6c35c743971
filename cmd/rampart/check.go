package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rampart-api/rampart/config"
)

func newCheckCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Lint a config file: every error and warning, with file, line and field",
		Long: `Check a config file without starting anything. Errors (exit code 2) make
the file unusable; warnings (exit code 0) point at risky settings: routes
without authentication that do not say auth: none, literal secrets, the
"dangerously_…" switches, trusting every proxy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, diags := config.Load(path)
			out := cmd.OutOrStdout()
			fmt.Fprint(out, diags.String())
			errs, warns := len(diags.Errors()), len(diags.Warnings())
			if errs > 0 {
				return &exitError{Code: 2, Err: fmt.Errorf("%s: %d error(s), %d warning(s)", path, errs, warns)}
			}
			fmt.Fprintf(out, "%s: ok, %d warning(s)\n", path, warns)
			return nil
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "rampart.yaml", "config file")
	return cmd
}
