package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"
)

// defaultHealthURL is the admin listener's liveness endpoint at its
// default address.
const defaultHealthURL = "http://127.0.0.1:9901/healthz"

func newHealthcheckCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck [URL]",
		Short: "Exit 0 if URL (default " + defaultHealthURL + ") answers 2xx, else 1",
		Long: `Probe a running gateway: GET URL (default ` + defaultHealthURL + `) and exit 0
when it answers with a 2xx status, 1 otherwise (refused, timed out, any other
status). Redirects are not followed. Made for container HEALTHCHECKs in
images without a shell or curl:

  HEALTHCHECK CMD ["/rampart", "healthcheck"]`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := defaultHealthURL
			if len(args) == 1 {
				target = args[0]
			}
			return healthcheck(cmd.Context(), target, timeout, cmd.OutOrStdout())
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "give up after this long")
	return cmd
}

func healthcheck(ctx context.Context, target string, timeout time.Duration, out io.Writer) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &exitError{Code: 2, Err: errors.New("healthcheck: URL must be http:// or https:// with a host")}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return &exitError{Code: 2, Err: fmt.Errorf("healthcheck: %w", err)}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return &exitError{Code: 1, Err: fmt.Errorf("healthcheck: %w", err)}
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &exitError{Code: 1, Err: fmt.Errorf("healthcheck: %s answered %d", u.Redacted(), res.StatusCode)}
	}
	_, err = fmt.Fprintf(out, "healthy: %s answered %d\n", u.Redacted(), res.StatusCode)
	return err
}
