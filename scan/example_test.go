package scan_test

import (
	"context"
	"fmt"
	"os"

	"github.com/rampart-api/rampart/scan"
	"github.com/rampart-api/rampart/scan/report"
)

// A scan in CI fails the build on an incomplete scan or a high finding.
// (The example needs a running API, so it is compiled but not run.)
func ExampleScanner_Run() {
	alice, err := scan.ParseIdentity("alice=" + os.Getenv("ALICE_TOKEN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bob, err := scan.ParseIdentity("bob=" + os.Getenv("BOB_TOKEN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	s, err := scan.New(scan.Config{
		Target:     "https://staging.example.com",
		Identities: []scan.Identity{alice, bob},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := report.Write(os.Stdout, report.Text, rep, report.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if !rep.Complete() || rep.Worst() >= scan.High {
		os.Exit(1)
	}
}
