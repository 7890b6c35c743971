package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/internal/heapfloor"
)

func newServeCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway in front of the upstreams in the config",
		Long: `Run the gateway. SIGINT and SIGTERM stop it: it keeps serving for
server.timeouts.drain_delay, then drains in-flight requests for up to
server.timeouts.shutdown; a second SIGINT or SIGTERM stops at once. SIGHUP
reloads the config file, keeping the running configuration when the new
one has errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), path, cmd.ErrOrStderr(), nil)
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "rampart.yaml", "config file")
	return cmd
}

// loadConfig loads path and prints its errors; they exit with 2.
func loadConfig(path string, stderr io.Writer) (*config.Config, config.Diagnostics, error) {
	cfg, diags := config.Load(path)
	if diags.HasErrors() {
		fmt.Fprint(stderr, diags.String())
		return nil, diags, &exitError{Code: 2, Err: fmt.Errorf("%s: %d error(s)", path, len(diags.Errors()))}
	}
	return cfg, diags, nil
}

// startupError prints each problem in err on its own line, located at
// file:line: field where it names one, and returns the exit error that
// ends the command with status 2.
func startupError(stderr io.Writer, cfg *config.Config, err error) error {
	problems := cfg.Locate(err)
	if len(problems) == 1 {
		return &exitError{Code: 2, Err: errors.New(problems[0].String())}
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p.String())
	}
	return &exitError{Code: 2, Err: fmt.Errorf("%s: %d error(s)", cfg.File, len(problems))}
}

// serve runs the gateway until ctx is done or SIGINT or SIGTERM arrives,
// then drains; a second signal stops at once. ready, when set, receives
// the bound address once the listener is open and the signals are
// handled.
func serve(ctx context.Context, path string, stderr io.Writer, ready func(net.Addr)) error {
	cfg, diags, err := loadConfig(path, stderr)
	if err != nil {
		return err
	}
	logs, err := gateway.OpenLogs(cfg.Log, stderr)
	if err != nil {
		return &exitError{Code: 2, Err: err}
	}
	defer logs.Close()
	defer routeRedisLog(logs.Server)()
	defer startProfiles(logs.Server)()
	for _, w := range diags.Warnings() {
		logs.Server.Warn("config warning", slog.String("problem", w.String()))
	}
	floor := startHeapFloor(cfg.Server.HeapFloorBytes(), logs.Server)
	defer floor.Stop()
	tracer, stopTracing, err := startTracing(cfg, logs.Server)
	if err != nil {
		return startupError(stderr, cfg, err)
	}
	defer stopTracing()
	hub := audit.NewHub()
	srv, err := gateway.NewServer(cfg, gateway.Options{Log: logs.Server, Access: logs.Access, Events: logs.Events, Hub: hub, Tracer: tracer})
	if err != nil {
		return startupError(stderr, cfg, err)
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		_ = srv.Close()
		return startupError(stderr, cfg, &config.FieldError{Path: "server.listen", Err: err})
	}
	adm, err := startAdmin(cfg, srv, hub, logs)
	if err != nil {
		_ = ln.Close()
		_ = srv.Close()
		return startupError(stderr, cfg, err)
	}
	defer func() {
		if err := adm.stop(); err != nil {
			logs.Server.Error("admin listener", slog.String("error", err.Error()))
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopSigs := make(chan os.Signal, 2)
	signal.Notify(stopSigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stopSigs)
	go func() {
		select {
		case <-ctx.Done():
			return
		case sig := <-stopSigs:
			logs.Server.Info("stopping: draining in-flight requests; the same signal again stops at once", slog.String("signal", sig.String()))
			cancel()
		}
		sig := <-stopSigs
		logs.Server.Warn("stopping at once", slog.String("signal", sig.String()))
		srv.StopNow()
	}()

	bi := build()
	logs.Server.Info("rampart listening", slog.String("addr", ln.Addr().String()), slog.String("config", path),
		slog.String("version", bi.Version), slog.String("revision", bi.ShortRevision()), slog.String("go_version", bi.GoVersion), heapFloorAttr(floor))
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if ready != nil {
		ready(ln.Addr())
	}

	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				reload(path, srv, floor, logs.Server)
			}
		}
	}()

	err = srv.Serve(ctx, ln)
	logs.Server.Info("rampart stopped")
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// reload loads path and swaps it in, with its heap floor; a file with
// errors, or one that does not compile, leaves everything as it runs.
func reload(path string, srv *gateway.Server, floor *heapfloor.Tuner, log *slog.Logger) {
	next, diags := config.Load(path)
	if diags.HasErrors() {
		srv.Rejected(len(diags.Errors()))
		log.Error("reload refused: config has errors; keeping the running configuration", slog.String("problems", diags.Errors().String()))
		return
	}
	if err := srv.Reload(next); err != nil {
		log.Error("reload refused; keeping the running configuration", slog.String("error", err.Error()))
		return
	}
	floor.Set(next.Server.HeapFloorBytes())
	log.Info("configuration reloaded", slog.String("config", path), heapFloorAttr(floor))
}
