package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rampart-api/rampart/internal/buildinfo"
)

// version, when set at link time with -ldflags "-X main.version=…",
// replaces the module version the Go toolchain recorded.
var version string

// build is what the binary knows about its build.
func build() buildinfo.Info { return buildinfo.Read(version) }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and time, and Go version",
		Long: `Print the module version, the VCS revision and commit time the binary
was built from ("-dirty" when the work tree had uncommitted changes), and
the Go version. The same appear in the startup log line and in the
rampart_build_info metric.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), build())
			return err
		},
	}
}
