package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rampart-api/rampart/tokens"
)

func newTokenClientCmd() *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use:   "client",
		Short: "Register a client_credentials client: print its id, a new secret (shown once) and the hash for tokens.clients",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				id = tokens.NewClientID()
			}
			secret, hash, err := tokens.NewClientSecret()
			if err != nil {
				return &exitError{Code: 2, Err: err}
			}
			if err := (tokens.Client{ID: id, SecretHash: hash}).Validate(); err != nil {
				return &exitError{Code: 2, Err: err}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "client_id:     %s\n", id)
			fmt.Fprintf(out, "client_secret: %s\n", secret)
			fmt.Fprintln(out, "(the secret is shown this once; give it to the client and keep no copy)")
			fmt.Fprintln(out)
			fmt.Fprintln(out, "tokens:")
			fmt.Fprintln(out, "  clients:")
			fmt.Fprintf(out, "    - id: %s\n", id)
			fmt.Fprintf(out, "      secret_hash: %q\n", hash)
			fmt.Fprintln(out, "      scopes: []")
			return nil
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "client id (default: a random one)")
	return cmd
}
