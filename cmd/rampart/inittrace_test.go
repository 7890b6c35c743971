package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// initLine is one line of GODEBUG=inittrace=1: the package and the bytes
// its initialisation allocated.
var initLine = regexp.MustCompile(`(?m)^init (github\.com/rampart-api/rampart\S*) @.* (\d+) bytes, (\d+) allocs$`)

// TestStartHeapStaysSmall runs the command with GODEBUG=inittrace=1 and
// holds this module's packages to a budget of heap built at start. That
// heap lives as long as the process, and every collection marks it while
// the gateway serves: the scanner's patterns and the report and guide
// templates, which serve never uses, are built on first use instead. A
// package-level regexp.MustCompile or template.Must in one of them, or a
// large table in any, fails here.
func TestStartHeapStaysSmall(t *testing.T) {
	const (
		perPackage = 16 << 10
		total      = 128 << 10
	)
	lazy := map[string]int{
		"github.com/rampart-api/rampart/scan":          perPackage,
		"github.com/rampart-api/rampart/scan/report":   2 << 10,
		"github.com/rampart-api/rampart/audit":         2 << 10,
		"github.com/rampart-api/rampart/examples/demo": 2 << 10,
	}
	code, _, stderr := rampartProcess(t, t.TempDir(), []string{"GODEBUG=inittrace=1"}, "version")
	if code != 0 {
		t.Fatalf("version exited %d:\n%s", code, stderr)
	}
	lines := initLine.FindAllStringSubmatch(stderr, -1)
	if len(lines) == 0 {
		t.Fatalf("no inittrace line for this module's packages in:\n%s", stderr)
	}
	sum := 0
	for _, l := range lines {
		pkg := l[1]
		bytes, err := strconv.Atoi(l[2])
		if err != nil {
			t.Fatal(err)
		}
		sum += bytes
		budget, ok := lazy[pkg]
		if !ok {
			budget = 64 << 10
		}
		if bytes > budget {
			t.Errorf("%s builds %d bytes at start (%s allocs), budget %d: build its tables and patterns on first use", pkg, bytes, l[3], budget)
		}
	}
	if sum > total {
		t.Errorf("this module's packages build %d bytes at start, budget %d:\n%s", sum, total, strings.Join(lineTexts(lines), "\n"))
	}
}

func lineTexts(lines [][]string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l[0]
	}
	return out
}
