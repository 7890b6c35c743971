package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"

	"github.com/rampart-api/rampart/admin"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/console"
)

// startAdmin serves the admin listener at addr, a loopback address,
// behind a random bearer token: health, readiness and the security
// console, fed by hub. The console's page and assets load without the
// token, its data needs it. A token, even on loopback, because every
// process and every user of the machine, and any web page open in a
// local browser, can reach a loopback port.
func (d *Demo) startAdmin(addr string, hub *audit.Hub, ready func(context.Context) error) error {
	c, err := console.New(console.Config{Ready: ready})
	if err != nil {
		return err
	}
	if !config.IsLoopback(addr) {
		return fmt.Errorf("demo admin listener: %q is not a loopback address", addr)
	}
	hub.Subscribe(c)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("demo admin listener: %w", err)
	}
	d.Console, d.ConsoleToken = c, rand.Text()
	d.AdminURL = "http://" + ln.Addr().String()
	d.ConsoleURL = d.AdminURL + "/"
	s := admin.New(admin.Options{Token: d.ConsoleToken, Ready: ready, Public: console.Public})
	s.Handle("/", c.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	d.stopAdmin = func() error { cancel(); return <-done }
	return nil
}
