package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/internal/testproc"
)

// TestVersionShowsRevision builds the binary from this git work tree, as
// a release would, and checks that rampart version prints the commit it
// was built from and the Go version.
func TestVersionShowsRevision(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	_, gitErr := exec.LookPath("git")
	testproc.Require(t, gitErr == nil, "git is not installed")
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git work tree: %v", err)
	}
	rev := strings.TrimSpace(string(head))
	bin := filepath.Join(t.TempDir(), "rampart")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if !strings.HasPrefix(got, "rampart ") || !strings.Contains(got, "revision "+rev[:12]) || !strings.Contains(got, "go1.") {
		t.Fatalf("rampart version printed %q; want revision %s", got, rev[:12])
	}
	t.Logf("%s", strings.TrimSpace(got))
}
