package main

import (
	"bytes"
	"debug/buildinfo"
	"errors"
	"go/build"
	"go/version"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const testVersion = "v0.0.0-20261105234957-e22db6528018"

// writeSource lays out files as a golang.org/x/vulndb module would, under
// data/osv, and returns the module root.
func writeSource(t *testing.T, files map[string]string) string {
	t.Helper()
	src := t.TempDir()
	osvDir := filepath.Join(src, "data", "osv")
	if err := os.MkdirAll(osvDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(osvDir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func TestRun(t *testing.T) {
	src := writeSource(t, map[string]string{
		"GO-2021-0113.json": osvTextEntry,
		"GO-2024-2687.json": osvStdlib,
		"README.md":         "not an entry",
	})
	out := filepath.Join(t.TempDir(), testVersion)
	var stderr bytes.Buffer
	if err := run([]string{"-src", src, "-out", out, "-version", testVersion}, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	want := []string{"ID/GO-2021-0113.json", "ID/GO-2024-2687.json", "index/db.json", "index/modules.json", "index/vulns.json"}
	if got := listTree(t, out); !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	db, err := os.ReadFile(filepath.Join(out, "index", "db.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"modified":"2026-11-05T23:49:57Z"}`; string(db) != want {
		t.Errorf("db.json = %s, want %s (the pseudo-version's time)", db, want)
	}
	if !strings.Contains(stderr.String(), "2 entries, 2 modules") {
		t.Errorf("summary = %q", stderr.String())
	}
}

func TestRunRefuses(t *testing.T) {
	good := writeSource(t, map[string]string{"GO-2021-0113.json": osvTextEntry})
	tests := []struct {
		name     string
		args     func(out string) []string
		wantErrs []error
		wantText []string
	}{
		{
			name:     "every config problem at once",
			args:     func(string) []string { return []string{"-version", "latest"} },
			wantErrs: []error{ErrInvalidConfig},
			wantText: []string{"-src", "-out", "-version"},
		},
		{
			name:     "unknown flag",
			args:     func(out string) []string { return []string{"-src", good, "-out", out, "-insecure"} },
			wantErrs: []error{ErrInvalidConfig},
		},
		{
			name:     "stray argument",
			args:     func(out string) []string { return []string{"-src", good, "-out", out, "extra"} },
			wantErrs: []error{ErrInvalidConfig},
		},
		{
			name:     "source without data/osv",
			args:     func(out string) []string { return []string{"-src", t.TempDir(), "-out", out} },
			wantErrs: []error{fs.ErrNotExist},
		},
		{
			name: "source with no entries would pass every scan",
			args: func(out string) []string {
				return []string{"-src", writeSource(t, map[string]string{"notes.txt": "x"}), "-out", out}
			},
			wantErrs: []error{ErrNoEntries},
		},
		{
			name: "every bad entry reported, none written",
			args: func(out string) []string {
				return []string{"-src", writeSource(t, map[string]string{
					"GO-2021-0113.json": osvTextEntry,
					"GO-2021-0114.json": osvTextEntry,
					"GO-2021-0115.json": "{",
				}), "-out", out}
			},
			wantErrs: []error{ErrFileName, ErrSyntax},
			wantText: []string{"GO-2021-0114.json", "GO-2021-0115.json"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "db")
			var stderr bytes.Buffer
			err := run(tc.args(out), &stderr)
			for _, want := range tc.wantErrs {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want %v", err, want)
				}
			}
			for _, want := range tc.wantText {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to mention %s", err, want)
				}
			}
			if _, statErr := os.Lstat(out); !errors.Is(statErr, fs.ErrNotExist) {
				t.Errorf("output created despite the error: %v", statErr)
			}
		})
	}
}

// govulncheckPath finds the govulncheck binary: $GOVULNCHECK, then PATH,
// then $GOPATH/bin, where `go install` puts it.
func govulncheckPath() string {
	if p := os.Getenv("GOVULNCHECK"); p != "" {
		return p
	}
	if p, err := exec.LookPath("govulncheck"); err == nil {
		return p
	}
	p := filepath.Join(build.Default.GOPATH, "bin", "govulncheck")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// TestGovulncheckAcceptsDatabase runs the real govulncheck against a
// converted database holding one invented standard-library vulnerability
// and a program that calls (or does not call) the vulnerable symbol. It
// proves that govulncheck reads every file the conversion writes: the
// indexes to select the entry, the ID file for its symbols and ranges.
func TestGovulncheckAcceptsDatabase(t *testing.T) {
	govulncheck := govulncheckPath()
	if govulncheck == "" {
		t.Skip("govulncheck not installed (go install golang.org/x/vuln/cmd/govulncheck@v1.9.0, or set GOVULNCHECK)")
	}
	if testing.Short() {
		t.Skip("runs govulncheck; skipped in -short mode")
	}
	// A govulncheck built by an older Go cannot type-check a newer
	// standard library; that is a setup problem, not a database one.
	info, err := buildinfo.ReadFile(govulncheck)
	if err != nil {
		t.Fatalf("reading %s: %v", govulncheck, err)
	}
	if version.Compare(info.GoVersion, runtime.Version()) < 0 {
		t.Skipf("%s was built by %s, older than %s; set GOVULNCHECK to one built by this Go (.ci/govulncheck.sh installs one)",
			govulncheck, info.GoVersion, runtime.Version())
	}
	entry := func(events string) string {
		return `{"schema_version":"1.3.1","id":"GO-9999-0001","modified":"2026-01-02T03:04:05Z",
		 "published":"2026-01-02T03:04:05Z","summary":"Invented flaw in strings.ToUpper","details":"test",
		 "database_specific":{"url":"https://pkg.go.dev/vuln/GO-9999-0001"},
		 "affected":[{"package":{"name":"stdlib","ecosystem":"Go"},
		  "ranges":[{"type":"SEMVER","events":` + events + `}],
		  "ecosystem_specific":{"imports":[{"path":"strings","symbols":["ToUpper"]}]}}]}`
	}
	tests := []struct {
		name     string
		events   string
		call     string
		wantExit int
		wantOut  string
	}{
		{name: "reachable and unfixed", events: `[{"introduced":"0"}]`, call: "strings.ToUpper", wantExit: 3, wantOut: "GO-9999-0001"},
		{name: "imported but not called", events: `[{"introduced":"0"}]`, call: "strings.ToLower", wantExit: 0, wantOut: "No vulnerabilities found"},
		{name: "fixed before our Go", events: `[{"introduced":"0"},{"fixed":"1.0.1"}]`, call: "strings.ToUpper", wantExit: 0, wantOut: "No vulnerabilities found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := writeSource(t, map[string]string{"GO-9999-0001.json": entry(tc.events)})
			out := filepath.Join(t.TempDir(), "db")
			if err := run([]string{"-src", src, "-out", out}, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
			prog := t.TempDir()
			files := map[string]string{
				"go.mod":  "module example.com/probe\n\ngo 1.22\n",
				"main.go": "package main\n\nimport \"strings\"\n\nfunc main() { println(" + tc.call + "(\"x\")) }\n",
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(prog, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(govulncheck, "-db", "file://"+filepath.ToSlash(out), "./...")
			cmd.Dir = prog
			cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=")
			output, err := cmd.CombinedOutput()
			exit := 0
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) {
				exit = exitErr.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if exit != tc.wantExit || !strings.Contains(string(output), tc.wantOut) {
				t.Errorf("govulncheck (Go %s) exit %d, want %d with %q; output:\n%s",
					runtime.Version(), exit, tc.wantExit, tc.wantOut, output)
			}
		})
	}
}
