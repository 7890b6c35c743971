package gateway_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// A gateway is a plain http.Handler compiled from a config file. (The
// example needs a rampart.yaml, so it is compiled but not run; a Server
// adds reloads and graceful shutdown.)
func ExampleNew() {
	cfg, diags := config.Load("rampart.yaml")
	if diags.HasErrors() {
		fmt.Fprint(os.Stderr, diags)
		return
	}
	gw, err := gateway.New(cfg, gateway.Options{Log: slog.New(slog.NewJSONHandler(os.Stderr, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer gw.Close()
	if err := http.ListenAndServe(cfg.Server.Listen, gw); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
