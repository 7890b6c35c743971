package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rampart-api/rampart/examples/demo"
)

func newDemoCmd() *cobra.Command {
	var apiAddr, gwAddr, adminAddr string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a deliberately naive example API with Rampart in front of it",
		Long: `Start a naive example API (no headers, CORS for anyone, stack traces,
unverified tokens, other users' notes readable, an open admin area) on
loopback, and Rampart in front of it with examples/demo/rampart.yaml. It
prints both addresses, working tokens and the curl commands that show the
difference. No outside service is needed.

The admin listener runs on --admin-listen, a loopback address, behind a
token printed at start (a fresh one each run): /healthz, /readyz and, at
/, the security console, a live page of what Rampart refuses and why.
--admin-listen "" turns it off.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			o := demo.Options{APIListen: apiAddr, GatewayListen: gwAddr, AdminListen: adminAddr, Logs: cmd.ErrOrStderr()}
			if quiet {
				o.Logs = nil
			}
			return runDemo(ctx, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&apiAddr, "api-listen", "127.0.0.1:9000", "address of the naive API")
	cmd.Flags().StringVar(&gwAddr, "listen", "127.0.0.1:8080", "address of the gateway")
	cmd.Flags().StringVar(&adminAddr, "admin-listen", "127.0.0.1:8081", `loopback address of the admin listener and its security console ("" for none)`)
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not print the gateway's logs")
	return cmd
}

// runDemo runs the demo until ctx is done, printing the guide to out. Like
// serve, it applies the configuration's server.heap_floor, which a GOGC
// in the environment overrides, said once in the server log, and the
// listening line says which floor is in force.
func runDemo(ctx context.Context, o demo.Options, out io.Writer) error {
	d, err := demo.Start(ctx, o)
	if err != nil {
		return &exitError{Code: 2, Err: err}
	}
	defer d.Close()
	floor := startHeapFloor(d.HeapFloor, d.Log)
	defer floor.Stop()
	d.Log.Info("rampart demo listening", slog.String("gateway", d.GatewayURL), slog.String("api", d.APIURL), heapFloorAttr(floor))
	if err := d.PrintGuide(out); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
