package deploy_test

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerfile is the repository's Dockerfile as instructions: continuation
// lines joined, comments dropped, split into stages at FROM.
type dockerfile struct {
	args   map[string]string // ARG defaults
	stages [][]instruction
}

type instruction struct{ cmd, rest string }

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := dockerfile{args: map[string]string{}}
	var cur strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, rest, _ := strings.Cut(cur.String(), " ")
		cur.Reset()
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(rest)}
		switch {
		case in.cmd == "FROM":
			d.stages = append(d.stages, []instruction{in})
		case len(d.stages) == 0:
			if in.cmd == "ARG" {
				name, val, _ := strings.Cut(in.rest, "=")
				d.args[name] = val
			}
		default:
			d.stages[len(d.stages)-1] = append(d.stages[len(d.stages)-1], in)
			if in.cmd == "ARG" {
				name, val, _ := strings.Cut(in.rest, "=")
				d.args[name] = val
			}
		}
	}
	return d
}

var mountFlag = regexp.MustCompile(`^--\S+\s+`)

// goBuild is the build stage's RUN line that runs go build, without its
// --mount flags: what Docker hands to /bin/sh -c.
func (d dockerfile) goBuild(t *testing.T) string {
	t.Helper()
	var found []string
	for _, in := range d.stages[0] {
		if in.cmd == "RUN" && strings.Contains(in.rest, "go build") {
			rest := in.rest
			for mountFlag.MatchString(rest) {
				rest = mountFlag.ReplaceAllString(rest, "")
			}
			found = append(found, rest)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one RUN with go build in the build stage, found %d", len(found))
	}
	return found[0]
}

func TestDockerfileBuildsAStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the rampart binary")
	}
	d := readDockerfile(t)
	line := d.goBuild(t)
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=${VERSION}", "-o /out/rampart", "./cmd/rampart"} {
		if !strings.Contains(line, want) {
			t.Errorf("the go build line lacks %q: %s", want, line)
		}
	}
	out := filepath.Join(t.TempDir(), "rampart")
	// The line as Docker runs it: through sh, in the source folder, with
	// the ARGs in the environment; only the output moves out of /out.
	cmd := exec.Command("/bin/sh", "-c", strings.Replace(line, "/out/rampart", out, 1))
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "VERSION=v0.0.0-docker-test")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, b)
	}

	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader: not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links %v: not static", libs)
	}
	bi, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("build settings %v, want CGO_ENABLED=0 and -trimpath", settings)
	}
	v, err := exec.Command(out, "version").CombinedOutput()
	if err != nil || !bytes.Contains(v, []byte("rampart v0.0.0-docker-test")) {
		t.Errorf("rampart version: %v %q, want the VERSION build argument", err, v)
	}
	if b, err := exec.Command(out, "healthcheck", "--timeout", "2s", "http://127.0.0.1:1/healthz").CombinedOutput(); err == nil {
		t.Errorf("healthcheck against nothing succeeded: %s", b)
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("healthcheck against nothing: %v, want exit status 1 (unhealthy)", err)
	}
}

func TestDockerfileRunsWithoutShellAsNonRoot(t *testing.T) {
	d := readDockerfile(t)
	if len(d.stages) < 2 {
		t.Fatalf("want a build stage and a final stage, got %d stage(s)", len(d.stages))
	}
	final := d.stages[len(d.stages)-1]
	from := final[0].rest
	if !strings.HasPrefix(from, "gcr.io/distroless/static") && from != "scratch" {
		t.Errorf("final image %q: want distroless/static or scratch (no shell)", from)
	}
	got := map[string]string{}
	for _, in := range final {
		if in.cmd == "RUN" {
			t.Errorf("RUN in the final stage (%s): it has no shell", in.rest)
		}
		got[in.cmd] = in.rest
	}
	if u := got["USER"]; u == "" || u == "0" || strings.HasPrefix(u, "root") || strings.HasPrefix(u, "0:") {
		t.Errorf("USER %q: want a non-root uid", u)
	}
	if hc := got["HEALTHCHECK"]; !strings.Contains(hc, `CMD ["/rampart", "healthcheck"`) || !strings.Contains(hc, ":9901/healthz") {
		t.Errorf("HEALTHCHECK %q: want the binary probing the admin /healthz in exec form", hc)
	}
	if ep := got["ENTRYPOINT"]; ep != `["/rampart"]` {
		t.Errorf("ENTRYPOINT %q", ep)
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", "**/node_modules", "**/*.pem"} {
		if !strings.Contains(string(ignore), want+"\n") {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}
