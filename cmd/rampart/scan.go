package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart-api/rampart/scan"
	"github.com/rampart-api/rampart/scan/report"
)

func newScanCmd() *cobra.Command {
	var (
		openapiFile, signingKeyFile, format, out, failOn string
		authScheme, authHeader, authCookie               string
		identities, checks, publicKeys                   []string
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

Tokens given with --identity are sent the way the API takes them: learnt
from the first operation that refuses anonymous callers (Authorization:
Bearer, a raw Authorization value, common custom headers or cookies), or
as --auth-header, --auth-cookie and --auth-scheme say.

Exit status: 0 nothing at or above --fail-on, 1 findings or an incomplete
scan (budget spent, every identity refused, target stopped answering), 2
usage or connection error, or an --openapi file that is neither OpenAPI 3.x
nor Swagger 2.0.`,
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
			if place, err := placement(authScheme, authHeader, authCookie); err != nil {
				errs = append(errs, err)
			} else {
				cfg.Auth = place
			}
			for _, f := range publicKeys {
				b, err := os.ReadFile(f)
				if err == nil && !bytes.Contains(b, []byte("PUBLIC KEY-----")) {
					err = errors.New("no PEM public key in it")
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("reading --public-key %s: %w", f, err))
					continue
				}
				cfg.PublicKeys = append(cfg.PublicKeys, b)
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
			opts := report.Options{Version: build().Version, Color: out == "" && isTerminal(w) && os.Getenv("NO_COLOR") == ""}
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
			if !rep.Complete() {
				return &exitError{Code: 1, Err: fmt.Errorf("scan incomplete: %s", strings.Join(rep.Errors, "; "))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&openapiFile, "openapi", "", "OpenAPI 3.x or Swagger 2.0 document describing the API (without it the scanner crawls)")
	f.StringArrayVar(&identities, "identity", nil, "NAME=TOKEN to act as: the raw token, sent where the API takes it (learnt, or --auth-header/--auth-cookie/--auth-scheme), or \"Scheme value\"; repeat for BOLA")
	f.StringVar(&authScheme, "auth-scheme", "", "send tokens as \"Authorization: SCHEME TOKEN\" (Bearer, or any word), or \"none\" for the raw token; default: learnt")
	f.StringVar(&authHeader, "auth-header", "", "send tokens in this header instead of Authorization (raw unless --auth-scheme is set)")
	f.StringVar(&authCookie, "auth-cookie", "", "send tokens as this cookie")
	f.StringArrayVar(&publicKeys, "public-key", nil, "PEM public key the API verifies tokens with, for key confusion probes; repeatable")
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

// placement turns the --auth-* flags into where tokens go, or nil to
// learn it from the API.
func placement(scheme, header, cookie string) (*scan.Placement, error) {
	if scheme == "" && header == "" && cookie == "" {
		return nil, nil
	}
	if cookie != "" && (header != "" || scheme != "") {
		return nil, errors.New("--auth-cookie takes neither --auth-header nor --auth-scheme")
	}
	for flag, v := range map[string]string{"--auth-scheme": scheme, "--auth-header": header, "--auth-cookie": cookie} {
		if strings.ContainsAny(v, " \t\r\n;=:,") {
			return nil, fmt.Errorf("%s %q: must be a single word", flag, v)
		}
	}
	if cookie != "" {
		return &scan.Placement{Cookie: cookie}, nil
	}
	p := &scan.Placement{Header: header}
	if p.Header == "" {
		p.Header = "Authorization"
		if scheme == "" {
			scheme = "Bearer"
		}
	}
	if !strings.EqualFold(scheme, "none") {
		p.Scheme = scheme
	}
	return p, nil
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
