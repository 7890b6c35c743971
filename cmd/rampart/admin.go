package main

import (
	"context"
	"log/slog"
	"net"

	"github.com/rampart-api/rampart/admin"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/console"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/metrics"
)

// adminListener is the running admin listener: stop ends it and waits.
type adminListener struct {
	Server *admin.Server
	Addr   net.Addr
	cancel context.CancelFunc
	done   chan error
}

// startAdmin binds admin.listen and serves health, readiness, metrics,
// the security console unless admin.console is false and, if enabled,
// pprof, with the metrics and the console fed by hub, and the count of
// lost log lines read from logs. It returns nil
// when the admin listener is off. The error, from binding, names
// admin.listen.
func startAdmin(cfg *config.Config, srv *gateway.Server, hub *audit.Hub, logs *gateway.Logs) (*adminListener, error) {
	log := logs.Server
	a := cfg.Admin
	if !a.Enabled() {
		return nil, nil
	}
	ln, err := net.Listen("tcp", a.Listen)
	if err != nil {
		return nil, &config.FieldError{Path: "admin.listen", Err: err}
	}
	bi := build()
	m := metrics.New(metrics.Options{
		Version: bi.Version, Revision: bi.Revision, GoVersion: bi.GoVersion,
		InFlight:        srv.InFlight,
		KeySets:         func() []jwt.KeySetStatus { return srv.Gateway().KeySets() },
		LogLinesDropped: logs.Dropped,
	})
	hub.Subscribe(m)
	o := admin.Options{Token: a.Token.Value(), Ready: srv.Ready, Metrics: m.Handler(), Pprof: a.Pprof, Log: log}
	var c *console.Console
	if a.ConsoleEnabled() {
		if c, err = console.New(console.Config{Ready: srv.Ready}); err != nil {
			_ = ln.Close()
			return nil, err
		}
		hub.Subscribe(c)
		o.Public = console.Public
	}
	s := admin.New(o)
	s.Handle("POST /tokens/revoke", revokeSubjectHandler(srv))
	if c != nil {
		s.Handle("/", c.Handler())
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &adminListener{Server: s, Addr: ln.Addr(), cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- s.Serve(ctx, ln) }()
	log.Info("admin listening", slog.String("addr", ln.Addr().String()), slog.Bool("token", a.Token.IsSet()), slog.Bool("pprof", a.Pprof), slog.Bool("console", c != nil))
	return l, nil
}

// stop ends the admin listener; a nil one is off.
func (l *adminListener) stop() error {
	if l == nil {
		return nil
	}
	l.cancel()
	return <-l.done
}
