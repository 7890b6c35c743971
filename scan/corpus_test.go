package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-api/rampart/internal/testproc"
	"github.com/rampart-api/rampart/scan"
)

// The recall targets on the corpus of deliberately vulnerable apps. They
// are enforced when RAMPART_CORPUS_ENFORCE is true, and by default when
// CI is set; otherwise the test measures and logs only.
const (
	corpusMinRecallOpenAPI = 0.90
	corpusMinRecallCrawl   = 0.80
	corpusMaxFalsePos      = 0
	corpusMaxDuplicates    = 0
	corpusMaxScanTime      = 60 * time.Second
)

// corpusRPS lifts the request rate for apps on the loopback; the request
// budget stays the default, which every scan must finish within.
const corpusRPS = 2000

func corpusEnforced(t *testing.T) bool {
	v := os.Getenv("RAMPART_CORPUS_ENFORCE")
	if v == "" {
		return os.Getenv("CI") != ""
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		t.Fatalf("RAMPART_CORPUS_ENFORCE=%q: %v", v, err)
	}
	return on
}

// TestCorpusRecall starts every app under testdata/apps, scans it with
// and without its OpenAPI document, and matches the findings to the flaws
// its manifest plants. RAMPART_CORPUS_REPORT names a file to write the
// recall table to, in Markdown.
func TestCorpusRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real apps")
	}
	dirs, err := filepath.Glob(filepath.Join("testdata", "apps", "*", "manifest.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no apps under testdata/apps: %v", err)
	}
	enforce := corpusEnforced(t)
	bins := t.TempDir()
	var (
		mu   sync.Mutex
		rows []corpusRow
	)
	t.Run("apps", func(t *testing.T) {
		for _, mf := range dirs {
			dir := filepath.Dir(mf)
			m, err := loadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(m.Name, func(t *testing.T) {
				t.Parallel()
				app := startApp(t, dir, bins, m)
				ids := app.identities(t)
				for _, mode := range []string{"openapi", "crawl"} {
					cfg := scan.Config{Target: app.url, Identities: ids, Unsafe: true, RPS: corpusRPS}
					if mode == "openapi" {
						doc, err := os.ReadFile(filepath.Join(dir, m.OpenAPI))
						if err != nil {
							t.Fatal(err)
						}
						cfg.OpenAPI = doc
					}
					row := corpusRow{App: m.Name, Framework: m.Framework}
					row.res, row.rep, row.err = scanCorpusApp(cfg, m, mode)
					mu.Lock()
					rows = append(rows, row)
					mu.Unlock()
					t.Run(mode, func(t *testing.T) { row.check(t, enforce) })
				}
			})
		}
	})
	slices.SortFunc(rows, func(a, b corpusRow) int { return strings.Compare(a.App+a.res.Mode, b.App+b.res.Mode) })
	table := corpusTable(rows)
	t.Log("\n" + table)
	if out := os.Getenv("RAMPART_CORPUS_REPORT"); out != "" {
		if err := os.WriteFile(out, []byte(table), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func scanCorpusApp(cfg scan.Config, m *corpusManifest, mode string) (*appResult, *scan.Report, error) {
	res := &appResult{Mode: mode}
	s, err := scan.New(cfg)
	if err != nil {
		return res, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*corpusMaxScanTime)
	defer cancel()
	start := time.Now()
	rep, err := s.Run(ctx)
	if err != nil {
		return res, nil, err
	}
	// The report's own duration uses the scanner's clock; this one is the
	// wall time the caller waited.
	rep.Duration = time.Since(start)
	return matchFindings(m, mode, rep.Findings), rep, nil
}

type corpusRow struct {
	App, Framework string
	res            *appResult
	rep            *scan.Report
	err            error
}

func (r *corpusRow) check(t *testing.T, enforce bool) {
	if r.err != nil {
		t.Fatalf("scan: %v", r.err)
	}
	for _, p := range r.res.Expected {
		if len(r.res.Found[p.ID]) == 0 {
			t.Logf("missed %s: %s on %s", p.ID, p.Check, p.Op)
		}
	}
	for _, f := range append(slices.Clone(r.res.FalsePositives), r.res.LowFalsePositives...) {
		t.Logf("false positive: %s %s on %s: %s", f.Severity, f.Check, f.Operation, f.Detail)
	}
	for _, f := range r.res.Duplicates {
		t.Logf("duplicate: %s on %s", f.Check, f.Operation)
	}
	for _, f := range r.res.Unplanted {
		t.Logf("unplanted %s: %s on %s", f.Severity, f.Check, f.Operation)
	}
	for _, n := range r.rep.Notes {
		t.Logf("note: %s", n)
	}
	want := corpusMinRecallOpenAPI
	if r.res.Mode == "crawl" {
		want = corpusMinRecallCrawl
	}
	fail := t.Logf
	if enforce {
		fail = t.Errorf
	}
	if got := r.res.recall(); got < want {
		fail("recall %.0f%%, want at least %.0f%%", 100*got, 100*want)
	}
	if n := len(r.res.FalsePositives); n > corpusMaxFalsePos {
		fail("%d false positives of medium severity or above, want at most %d", n, corpusMaxFalsePos)
	}
	if n := len(r.res.Duplicates); n > corpusMaxDuplicates {
		fail("%d duplicate findings, want at most %d", n, corpusMaxDuplicates)
	}
	if r.rep.Duration > corpusMaxScanTime {
		fail("scan took %v, want under %v", r.rep.Duration.Round(time.Millisecond), corpusMaxScanTime)
	}
	if r.rep.Requests >= scan.DefaultMaxRequests {
		fail("the scan spent its whole budget of %d requests", scan.DefaultMaxRequests)
	}
}

// corpusTable renders recall per app and mode, then per family.
func corpusTable(rows []corpusRow) string {
	var b strings.Builder
	b.WriteString("| app | mode | recall | found/planted | false positives (medium+) | low false positives | duplicates | requests | time |\n|---|---|---|---|---|---|---|---|---|\n")
	type tally struct{ found, planted int }
	fams := map[string]*tally{}
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(&b, "| %s | %s | error: %v | | | | | | |\n", r.App, r.res.Mode, r.err)
			continue
		}
		found := 0
		for _, p := range r.res.Expected {
			f := fams[checkFamily(p.Check)+"\x00"+r.res.Mode]
			if f == nil {
				f = &tally{}
				fams[checkFamily(p.Check)+"\x00"+r.res.Mode] = f
			}
			f.planted++
			if len(r.res.Found[p.ID]) > 0 {
				found++
				f.found++
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f%% | %d/%d | %d | %d | %d | %d | %.1fs |\n", r.App, r.res.Mode, 100*r.res.recall(), found,
			len(r.res.Expected), len(r.res.FalsePositives), len(r.res.LowFalsePositives), len(r.res.Duplicates), r.rep.Requests, r.rep.Duration.Seconds())
	}
	b.WriteString("\n| family | openapi | crawl |\n|---|---|---|\n")
	for _, fam := range scan.Families {
		cell := func(mode string) string {
			f := fams[fam+"\x00"+mode]
			if f == nil {
				return "–"
			}
			return fmt.Sprintf("%d/%d", f.found, f.planted)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", fam, cell("openapi"), cell("crawl"))
	}
	return b.String()
}

// corpusApp is a running app.
type corpusApp struct {
	m   *corpusManifest
	url string
}

var (
	goBuildMu sync.Mutex
	goBuilds  = map[string]string{}
)

// goBuild builds the app's own module into bins, once per test binary.
func goBuild(t *testing.T, dir, bins string) string {
	goBuildMu.Lock()
	defer goBuildMu.Unlock()
	if bin, ok := goBuilds[dir]; ok {
		return bin
	}
	bin := filepath.Join(bins, filepath.Base(dir))
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, b)
	}
	goBuilds[dir] = bin
	return bin
}

func startApp(t *testing.T, dir, bins string, m *corpusManifest) *corpusApp {
	args := slices.Clone(m.Command)
	switch args[0] {
	case "node":
		if _, err := exec.LookPath("node"); err != nil {
			testproc.Require(t, false, "node is not installed")
		}
		if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
			testproc.Require(t, false, "%s: run npm ci there first", dir)
		}
	case "python3":
		// Debian's python3, which carries python3-flask and python3-jwt.
		args[0] = "/usr/bin/python3"
		if err := exec.Command(args[0], "-c", "import flask, jwt").Run(); err != nil {
			testproc.Require(t, false, "%s cannot import flask and jwt (apt-get install python3-flask python3-jwt)", args[0])
		}
	case "go-build":
		args[0] = goBuild(t, dir, bins)
	}
	env := os.Environ()
	for _, need := range m.Needs {
		switch need {
		case "postgres":
			u := os.Getenv("RAMPART_TEST_POSTGRES")
			if u == "" {
				u = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
			}
			pu, err := url.Parse(u)
			if err != nil {
				t.Fatalf("RAMPART_TEST_POSTGRES: %v", err)
			}
			if c, err := net.DialTimeout("tcp", pu.Host, time.Second); err != nil {
				testproc.Require(t, false, "no PostgreSQL at %s: %v", pu.Host, err)
			} else {
				c.Close()
			}
			env = append(env, "DATABASE_URL="+u)
		default:
			t.Fatalf("unknown need %q", need)
		}
	}
	port := testproc.FreePort(t)
	for k, v := range m.Env {
		env = append(env, k+"="+v)
	}
	env = append(env, m.PortEnv+"="+strconv.Itoa(port))
	var logs testproc.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("%s output:\n%s", m.Name, logs.String())
		}
	})
	app := &corpusApp{m: m, url: "http://127.0.0.1:" + strconv.Itoa(port)}
	testproc.WaitHTTP(t, app.url+m.Ready, http.StatusOK, 60*time.Second, exited, &logs)
	return app
}

// identities logs every manifest identity in and returns it as the
// scanner's user would pass it: NAME=TOKEN, the raw token.
func (a *corpusApp) identities(t *testing.T) []scan.Identity {
	var out []scan.Identity
	for _, id := range a.m.Identities {
		tok, err := a.login(id)
		if err != nil {
			t.Fatalf("logging in as %s: %v", id.Name, err)
		}
		si, err := scan.ParseIdentity(id.Name + "=" + tok)
		if err != nil {
			t.Fatal(err)
		}
		si.Admin = id.Admin
		out = append(out, si)
	}
	return out
}

func (a *corpusApp) login(id corpusIdentity) (string, error) {
	l := a.m.Login
	body := map[string]any{}
	for k, v := range l.Body {
		if s, ok := v.(string); ok {
			v = strings.NewReplacer("{user}", id.User, "{password}", id.Password).Replace(s)
		}
		body[k] = v
	}
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	method := l.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, a.url+l.Path, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("%s %s: %d %s", method, l.Path, resp.StatusCode, rb)
	}
	if name, ok := strings.CutPrefix(l.Token, "cookie:"); ok {
		for _, c := range resp.Cookies() {
			if c.Name == name && c.Value != "" {
				return c.Value, nil
			}
		}
		return "", fmt.Errorf("no %s cookie in the answer", name)
	}
	var v any
	if err := json.Unmarshal(rb, &v); err != nil {
		return "", fmt.Errorf("login answer: %w", err)
	}
	for part := range strings.SplitSeq(l.Token, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("no %s in the login answer", l.Token)
		}
		v = obj[part]
	}
	tok, ok := v.(string)
	if !ok || tok == "" {
		return "", fmt.Errorf("no %s in the login answer", l.Token)
	}
	return tok, nil
}
