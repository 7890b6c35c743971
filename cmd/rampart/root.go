package main

import "github.com/spf13/cobra"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "rampart",
		Short:         "Fortify HTTP APIs: gateway, library and attack scanner",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCmd(), newCheckCmd(), newDemoCmd(), newTokenCmd(), newScanCmd(), newVersionCmd(), newHealthcheckCmd())
	return root
}
