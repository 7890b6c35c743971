package config_test

import (
	"fmt"
	"os"

	"github.com/rampart-api/rampart/config"
)

// Load reports every problem of the file at once, each with its file, line
// and field. (The example needs a rampart.yaml, so it is compiled but not
// run.)
func ExampleLoad() {
	cfg, diags := config.Load("rampart.yaml")
	if diags.HasErrors() {
		fmt.Fprint(os.Stderr, diags)
		os.Exit(2)
	}
	fmt.Println(len(cfg.Routes), "routes")
}
