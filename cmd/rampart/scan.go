package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart-api/rampart/scan"
	"github.com/rampart-api/rampart/scan/report"
)

func newScanCmd() *cobra.Command {
	var (
		openapiFile, signingKeyFile, format, out, failOn string
		identities, checks                               []string
		maxRequests, concurrency                         int
		rps                                              float64
		unsafe                                           bool
	)
	cmd := &cobra.Command{
		Use:   "scan TARGET_URL",
		Short: "Attack an API (OWASP API Top 10) and report findings with fixes",
		Long: `Scan probes a running API for the OWASP API Security Top 10 (2023): headers,
CORS, errors, exposure, authentication, BOLA, BFLA, mass assignment, rate
limits, injection and limits. Only the target's origin is contacted, within
--max-requests at --rps. Writes with side effects need --unsafe.

Exit status: 0 nothing at or above --fail-on, 1 findings, 2 usage or
connection error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			usage := func(err error) error { return &exitError{Code: 2, Err: err} }
			fmtv, err := report.ParseFormat(format)
			if err != nil {
				return usage(err)
			}
			threshold, err := scan.ParseSeverity(failOn)
			if err != nil {
				return usage(err)
			}
			cfg := scan.Config{Target: args[0], MaxRequests: maxRequests, RPS: rps, Concurrency: concurrency, Unsafe: unsafe, Checks: checks}
			var errs []error
			for _, s := range identities {
				id, err := scan.ParseIdentity(s)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				cfg.Identities = append(cfg.Identities, id)
			}
			if openapiFile != "" {
				if cfg.OpenAPI, err = os.ReadFile(openapiFile); err != nil {
					errs = append(errs, fmt.Errorf("reading --openapi: %w", err))
				}
			}
			if signingKeyFile != "" {
				b, err := os.ReadFile(signingKeyFile)
				if err == nil {
					cfg.SigningKey, err = scan.ParseSigningKey(b)
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("reading --signing-key: %w", err))
				}
			}
			stderr := cmd.ErrOrStderr()
			if isTerminal(stderr) && os.Getenv("CI") == "" {
				cfg.Progress = progressBar(stderr)
			}
			if len(errs) > 0 {
				return usage(errors.Join(errs...))
			}
			s, err := scan.New(cfg)
			if err != nil {
				return usage(err)
			}
			rep, err := s.Run(cmd.Context())
			if cfg.Progress != nil {
				fmt.Fprint(stderr, "\r\x1b[K")
			}
			if err != nil {
				return usage(err)
			}
			var w io.Writer = cmd.OutOrStdout()
			var buf bytes.Buffer
			if out != "" {
				w = &buf
			}
			opts := report.Options{Version: version, Color: out == "" && isTerminal(w) && os.Getenv("NO_COLOR") == ""}
			if err := report.Write(w, fmtv, rep, opts); err != nil {
				return usage(err)
			}
			if out != "" {
				if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
					return usage(fmt.Errorf("writing --out: %w", err))
				}
			}
			if n := rep.CountAtLeast(threshold); n > 0 {
				return &exitError{Code: 1, Err: fmt.Errorf("%d findings at or above %s", n, threshold)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&openapiFile, "openapi", "", "OpenAPI 3 document describing the API (without it the scanner crawls)")
	f.StringArrayVar(&identities, "identity", nil, "NAME=TOKEN to act as (raw token sent as Bearer, or \"Scheme value\"); repeat for BOLA")
	f.StringVar(&signingKeyFile, "signing-key", "", "PEM private key the API trusts, for wrong-audience, wrong-issuer and expired test tokens")
	f.StringVar(&format, "format", "text", "report format: text, json, sarif, junit or html")
	f.StringVar(&out, "out", "", "write the report to FILE instead of stdout")
	f.StringVar(&failOn, "fail-on", "medium", "exit 1 when a finding is at or above: info, low, medium, high or critical")
	f.IntVar(&maxRequests, "max-requests", scan.DefaultMaxRequests, "request budget")
	f.Float64Var(&rps, "rps", scan.DefaultRPS, "requests per second")
	f.IntVar(&concurrency, "concurrency", scan.DefaultConcurrency, "requests in flight at most")
	f.StringSliceVar(&checks, "checks", nil, "only these check families (comma-separated)")
	f.BoolVar(&unsafe, "unsafe", false, "allow writes with side effects (creates accounts, writes objects): disposable environments only")
	return cmd
}

// isTerminal reports whether w is a character device, so colour and
// progress stay out of CI logs and files.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func progressBar(w io.Writer) func(sent, budget int) {
	var last time.Time
	return func(sent, budget int) {
		if now := time.Now(); now.Sub(last) > 100*time.Millisecond || sent == budget {
			last = now
			const width = 30
			n := sent * width / max(budget, 1)
			bar := make([]byte, width)
			for i := range bar {
				bar[i] = '-'
				if i < n {
					bar[i] = '#'
				}
			}
			fmt.Fprintf(w, "\rscanning [%s] %d/%d requests", bar, sent, budget)
		}
	}
}
