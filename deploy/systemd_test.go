package deploy_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/internal/testproc"
)

// unit reads a systemd unit into directive → values (a directive may
// repeat).
func unit(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := map[string][]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		u[k] = append(u[k], v)
	}
	return u
}

func TestSystemdUnitIsHardened(t *testing.T) {
	u := unit(t, "systemd/rampart.service")
	for k, want := range map[string]string{
		"DynamicUser":            "yes",
		"NoNewPrivileges":        "yes",
		"ProtectSystem":          "strict",
		"ProtectHome":            "yes",
		"PrivateTmp":             "yes",
		"CapabilityBoundingSet":  "",
		"AmbientCapabilities":    "",
		"ExecReload":             "/bin/kill -HUP $MAINPID",
		"RestrictSUIDSGID":       "yes",
		"MemoryDenyWriteExecute": "yes",
	} {
		if got := u[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if got := u["ExecStart"]; len(got) != 1 || !strings.Contains(got[0], "rampart serve --config ") {
		t.Errorf("ExecStart=%q", got)
	}
	if got := u["ExecStartPre"]; len(got) != 1 || !strings.Contains(got[0], "rampart check --config ") {
		t.Errorf("ExecStartPre=%q: a config with errors should not start", got)
	}
}

// TestSystemdUnitVerifies runs systemd-analyze verify on the unit, with
// the binary paths pointed at one that exists.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	testproc.Require(t, err == nil, "systemd-analyze not found (apt-get install systemd)")
	raw, err := os.ReadFile("systemd/rampart.service")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rampart.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(raw), "/usr/local/bin/rampart", "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "rampart.service") {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
