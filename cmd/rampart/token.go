package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart-api/rampart/auth/apikey"
	"github.com/rampart-api/rampart/auth/devtoken"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Development keys and tokens: keygen, mint, inspect, apikey; token service clients: client",
	}
	cmd.AddCommand(newKeygenCmd(), newMintCmd(), newInspectCmd(), newAPIKeyCmd(), newTokenClientCmd())
	return cmd
}

func newKeygenCmd() *cobra.Command {
	var alg, dir string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Generate a signing key pair and its JWKS (private.pem, public.pem, jwks.json)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := devtoken.Keygen(alg)
			if err != nil {
				return &exitError{Code: 2, Err: err}
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return &exitError{Code: 2, Err: err}
			}
			files := []struct {
				name  string
				mode  os.FileMode
				write func(io.Writer) error
			}{
				{"private.pem", 0o600, k.WritePrivatePEM},
				{"public.pem", 0o644, k.WritePublicPEM},
				{"jwks.json", 0o644, k.WriteJWKS},
			}
			for _, f := range files {
				path := filepath.Join(dir, f.name)
				if err := writeNew(path, f.mode, f.write); err != nil {
					return &exitError{Code: 2, Err: err}
				}
				fmt.Fprintln(cmd.OutOrStdout(), "wrote", path)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "algorithm %s, kid %s\n", k.Algorithm, k.KID)
			return nil
		},
	}
	cmd.Flags().StringVar(&alg, "alg", "ES256", "ES256, EdDSA or RS256")
	cmd.Flags().StringVar(&dir, "out", ".", "folder to write the files to (never overwritten)")
	return cmd
}

// writeNew creates path (failing if it exists) and writes it.
func writeNew(path string, mode os.FileMode, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func newMintCmd() *cobra.Command {
	var keyFile, kid, sub, iss, typ, rolesClaim string
	var roles, scopes, aud []string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:     "mint",
		Short:   "Sign a development token",
		Example: `  rampart token mint --key private.pem --sub alice --role user --aud my-api --iss https://id.example.com/ --ttl 1h`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pemBytes, err := os.ReadFile(keyFile)
			if err != nil {
				return &exitError{Code: 2, Err: err}
			}
			k, err := devtoken.ParsePrivateKey(pemBytes, kid)
			if err != nil {
				return &exitError{Code: 2, Err: err}
			}
			tok, err := devtoken.Mint(devtoken.MintConfig{Key: k, Subject: sub, Roles: roles, RolesClaim: rolesClaim, Scopes: scopes, Audience: aud, Issuer: iss, TTL: ttl, Type: typ})
			if err != nil {
				return &exitError{Code: 2, Err: err}
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "key", "private.pem", "PEM private key (from keygen)")
	f.StringVar(&kid, "kid", "", "key id (default: the key's RFC 7638 thumbprint)")
	f.StringVar(&sub, "sub", "", "subject")
	f.StringSliceVar(&roles, "role", nil, "role (repeatable)")
	f.StringVar(&rolesClaim, "roles-claim", "roles", "claim holding the roles")
	f.StringSliceVar(&scopes, "scope", nil, "scope (repeatable)")
	f.StringSliceVar(&aud, "aud", nil, "audience (repeatable)")
	f.StringVar(&iss, "iss", "", "issuer")
	f.StringVar(&typ, "typ", "", "typ header, e.g. at+jwt")
	f.DurationVar(&ttl, "ttl", time.Hour, "lifetime")
	_ = cmd.MarkFlagRequired("sub")
	return cmd
}

func newInspectCmd() *cobra.Command {
	var jwksFile, pemFile string
	cmd := &cobra.Command{
		Use:   "inspect [TOKEN]",
		Short: "Decode a token; with --jwks or --pem, also verify it",
		Long: `Decode a token (from the argument or standard input) and print its header
and claims. Without --jwks or --pem nothing is verified, and the output says
so. Exit code 1 when verification was asked for and failed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var tok string
			if len(args) == 1 {
				tok = args[0]
			} else {
				b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 64<<10))
				if err != nil {
					return &exitError{Code: 2, Err: err}
				}
				tok = string(b)
			}
			tok = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(tok), "Bearer "))
			var ic devtoken.InspectConfig
			var err error
			if jwksFile != "" {
				if ic.JWKS, err = os.ReadFile(jwksFile); err != nil {
					return &exitError{Code: 2, Err: err}
				}
			}
			if pemFile != "" {
				if ic.PublicKeyPEM, err = os.ReadFile(pemFile); err != nil {
					return &exitError{Code: 2, Err: err}
				}
			}
			if _, err := devtoken.Inspect(cmd.OutOrStdout(), tok, ic); err != nil {
				if errors.Is(err, devtoken.ErrNotVerified) {
					return &exitError{Code: 1, Err: err}
				}
				return &exitError{Code: 2, Err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&jwksFile, "jwks", "", "JWK set to verify against")
	cmd.Flags().StringVar(&pemFile, "pem", "", "PEM public key to verify against")
	return cmd
}

func newAPIKeyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "apikey",
		Short: "Generate an API key and the hash to put in the config (the key itself is never stored)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key, hash, err := apikey.NewKey()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "key:  %s\nhash: %s\n\nGive the key to the client once; put only the hash in auth.apikey.keys[].hash.\n", key, hash)
			return err
		},
	}
}
