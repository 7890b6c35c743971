package main

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rampart-api/rampart/internal/notedoc"
)

// procScenario is one Rampart configuration measured against the bare
// proxy, each in its own process.
type procScenario struct {
	name, about string
	config      string // YAML after the server and log sections; {{upstream}} and {{file}} are replaced
	setup       func(dir string) (string, error)
	path        string // request target, with the query
	jwt         bool   // send one of 1,000 tokens per request
}

var procScenarios = []procScenario{
	{
		name: "core", about: "helmet's 12 headers, CORS allowlist, request id, client IP, path normalisation, access log",
		config: procCore, path: "/api/notes/42",
	},
	{
		name: "full", about: "core + ES256 JWT over 1,000 tokens + role rule + memory rate limit by IP (never reached)",
		config: procFull, setup: setupJWT, path: "/api/notes/42", jwt: true,
	},
	{
		name: "openapi30", about: "full + OpenAPI 3.0 request validation and response filtering of a ~200-byte object",
		config: procOpenAPI, setup: setupJWTAndOpenAPI("3.0.3"), path: "/api/notes/42", jwt: true,
	},
	{
		name: "openapi31", about: "the same with an OpenAPI 3.1 document",
		config: procOpenAPI, setup: setupJWTAndOpenAPI("3.1.0"), path: "/api/notes/42", jwt: true,
	},
	{
		name: "waf", about: "core + Coraza with the OWASP CRS, paranoia 1, GET with a short query",
		config: procWAF, path: "/api/notes/42?q=spring+tulips&page=2",
	},
}

const procCORS = `
cors:
  allowed_origins: [https://app.example.com]
  allowed_methods: [GET, POST]
  allow_credentials: true
`

const procCore = `
upstreams:
  app: {url: "{{upstream}}"}
` + procCORS + `
routes:
  - {path: "/api/notes/{id}", methods: [GET], upstream: app, auth: none}
`

const procJWT = `
auth:
  jwt:
    issuers:
      - issuer: https://bench.rampart.invalid/
        audience: [bench]
        algorithms: [ES256]
        jwks_file: "{{file}}/jwks.json"
rate_limits:
  store: memory
  default: [{key: ip, limit: 1000000, window: 1s}]
`

const procFull = `
upstreams:
  app: {url: "{{upstream}}"}
` + procCORS + procJWT + `
routes:
  - {path: "/api/notes/{id}", methods: [GET], upstream: app, auth: jwt, roles: [user]}
`

const procOpenAPI = `
upstreams:
  app: {url: "{{upstream}}", openapi: "{{file}}/openapi.yaml"}
` + procCORS + procJWT + `
routes:
  - {path: "/api/notes/{id}", methods: [GET], upstream: app, auth: jwt, roles: [user]}
`

const procWAF = `
upstreams:
  app: {url: "{{upstream}}"}
` + procCORS + `
routes:
  - path: /api/notes/{id}
    methods: [GET]
    upstream: app
    auth: none
    waf: {enabled: true, paranoia: 1}
`

func setupJWTAndOpenAPI(version string) func(string) (string, error) {
	return func(dir string) (string, error) {
		if _, err := setupJWT(dir); err != nil {
			return "", err
		}
		return dir, os.WriteFile(filepath.Join(dir, "openapi.yaml"), notedoc.Document(version), 0o600)
	}
}

// proc is a started server process.
type proc struct {
	name string
	url  string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// pid is the server's own pid: taskset execs the program in place.
func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
		return nil
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s did not stop on SIGTERM", p.name)
	}
}

// startPinned starts bin pinned to cpu and waits until addr accepts
// connections.
func startPinned(name, cpu, addr string, env []string, bin string, args ...string) (*proc, error) {
	cmd := exec.Command("taskset", append([]string{"-c", cpu, bin}, args...)...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, url: "http://" + addr, cmd: cmd, log: &log}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return p, nil
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			_ = p.stop()
			return nil, fmt.Errorf("%s did not start listening on %s: %s", name, addr, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// cpuTicks is the process's user plus system time, in clock ticks.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64) // field 14, utime
	s, err2 := strconv.ParseInt(f[12], 10, 64) // field 15, stime
	return u + s, errors.Join(err1, err2)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times; 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// sample is one measurement of one server.
type sample struct {
	requests int64
	non2xx   int64
	seconds  float64
	p50, p99 time.Duration
	p999     time.Duration // Go-generator samples only
	cpu      time.Duration // server CPU time over the measurement
}

func (s sample) rps() float64 { return float64(s.requests) / s.seconds }

// load drives url for d with the configured generator, pinned to the load
// cpu, and returns what the server behind pid spent. A rate above zero
// offers that many requests per second in an open loop, with the Go
// generator (wrk has no such mode); zero saturates the server.
func (b *procBench) load(pid int, url string, d time.Duration, rate float64) (sample, error) {
	t0, err := cpuTicks(pid)
	if err != nil {
		return sample{}, err
	}
	var s sample
	if b.wrk != "" && rate == 0 {
		s, err = b.runWrk(url, d)
	} else {
		s, err = b.runGoLoad(url, d, rate)
	}
	if err != nil {
		return sample{}, err
	}
	t1, err := cpuTicks(pid)
	if err != nil {
		return sample{}, err
	}
	s.cpu = time.Duration(t1-t0) * time.Second / clockTicks
	return s, nil
}

func (b *procBench) runWrk(url string, d time.Duration) (sample, error) {
	args := []string{"-c", b.loadCPU, b.wrk, "-t1", "-c" + strconv.Itoa(b.connections), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency", "-s", b.script, url}
	out, err := exec.Command("taskset", args...).CombinedOutput()
	if err != nil {
		return sample{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	return parseWrk(out, d)
}

// parseWrk reads wrk's summary: the latency distribution, the request
// count and the non-2xx count.
func parseWrk(out []byte, d time.Duration) (sample, error) {
	s := sample{seconds: d.Seconds()}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			v, err := time.ParseDuration(f[1])
			if err != nil {
				return s, fmt.Errorf("wrk latency %q: %w", f[1], err)
			}
			if f[0] == "50%" {
				s.p50 = v
			} else {
				s.p99 = v
			}
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			s.requests, _ = strconv.ParseInt(f[0], 10, 64)
			if secs, err := time.ParseDuration(strings.TrimSuffix(f[3], ",")); err == nil {
				s.seconds = secs.Seconds()
			}
		case len(f) == 5 && f[0] == "Non-2xx":
			s.non2xx, _ = strconv.ParseInt(f[4], 10, 64)
		}
	}
	if s.requests == 0 {
		return s, fmt.Errorf("wrk served no request:\n%s", out)
	}
	return s, nil
}

// runGoLoad runs this program's own generator (see [runLoad]) in its own
// pinned process: closed-loop for machines without wrk, open-loop at
// rate when rate is above zero.
func (b *procBench) runGoLoad(url string, d time.Duration, rate float64) (sample, error) {
	self, err := os.Executable()
	if err != nil {
		return sample{}, err
	}
	args := []string{"-c", b.loadCPU, self, "load", "-url", url, "-c", strconv.Itoa(b.connections), "-d", d.String()}
	if rate > 0 {
		args = append(args, "-rate", strconv.FormatFloat(rate, 'f', 1, 64))
	}
	if b.tokens != "" {
		args = append(args, "-tokens", b.tokens)
	}
	out, err := exec.Command("taskset", args...).CombinedOutput()
	if err != nil {
		return sample{}, fmt.Errorf("load: %w: %s", err, out)
	}
	var s sample
	var p50, p99, p999 int64
	if _, err := fmt.Sscanf(string(out), "requests %d non2xx %d seconds %g p50 %d p99 %d p999 %d", &s.requests, &s.non2xx, &s.seconds, &p50, &p99, &p999); err != nil {
		return sample{}, fmt.Errorf("load output %q: %w", out, err)
	}
	s.p50, s.p99, s.p999 = time.Duration(p50), time.Duration(p99), time.Duration(p999)
	return s, nil
}

type procBench struct {
	dir         string
	wrk         string // path of wrk, or empty for the Go generator
	script      string // wrk Lua script of the current scenario
	tokens      string // token file of the current scenario, for the Go generator
	connections int
	serverCPU   string
	loadCPU     string
	env         []string // extra environment of the Rampart processes
	// latencyLoad is the open-loop rate as a fraction of the slower
	// proxy's saturated rate; 0 skips the open-loop rounds.
	latencyLoad float64
}

// envFlag collects repeated -env KEY=VALUE flags.
type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, " ") }

func (e *envFlag) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", v)
	}
	*e = append(*e, v)
	return nil
}

// procResult is one scenario's rounds, each a bare and a Rampart sample.
type procResult struct {
	sc            procScenario
	bare, rampart []sample
	// rate is the offered load of the open-loop rounds, in requests per
	// second; bareOpen and rampartOpen are their samples.
	rate                  float64
	bareOpen, rampartOpen []sample
	// rss and peakRSS are Rampart's resident memory after the last round
	// and its high-water mark, in bytes (VmRSS and VmHWM).
	rss, peakRSS int64
}

func runProcesses(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	duration := fs.Duration("duration", 5*time.Second, "length of one measurement (whole seconds)")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured load on each server before the rounds")
	rounds := fs.Int("rounds", 3, "interleaved rounds per scenario")
	connections := fs.Int("connections", 32, "keep-alive connections of the load generator")
	names := fs.String("scenarios", "", "comma-separated scenarios (default: all): "+strings.Join(procNames(), ","))
	serverCPU := fs.String("server-cpu", "1", "cpu the proxies are pinned to")
	loadCPU := fs.String("load-cpu", "0", "cpu the load generator and the upstream are pinned to")
	useGo := fs.Bool("go-load", false, "use the Go load generator even when wrk is installed")
	latencyLoad := fs.Float64("latency-load", 0.5, "after the saturating rounds, offer both proxies this fraction of the slower one's rate in an open loop and report latency at that same load (0 skips)")
	cpuprofile := fs.String("cpuprofile", "", "directory where each Rampart process writes SCENARIO.cpu.pprof, and the bare proxy bare.cpu.pprof")
	memprofile := fs.String("memprofile", "", "directory where each Rampart process writes SCENARIO.mem.pprof")
	keep := fs.Bool("keep", false, "keep the working directory (binaries, configs, access logs)")
	var env envFlag
	fs.Var(&env, "env", "KEY=VALUE added to the Rampart processes' environment (repeatable), e.g. GOGC=100")
	prebuilt := fs.String("rampart", "", "measure this rampart binary instead of building ./cmd/rampart (e.g. an earlier version)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *latencyLoad < 0 || *latencyLoad >= 1 {
		return fmt.Errorf("-latency-load %g: must be at least 0 and below 1", *latencyLoad)
	}
	selected := procScenarios
	if *names != "" {
		selected = nil
		for _, n := range strings.Split(*names, ",") {
			i := slices.IndexFunc(procScenarios, func(s procScenario) bool { return s.name == n })
			if i < 0 {
				return fmt.Errorf("unknown scenario %q (have %s)", n, strings.Join(procNames(), ","))
			}
			selected = append(selected, procScenarios[i])
		}
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return errors.New("taskset is not installed (util-linux)")
	}
	dir, err := os.MkdirTemp("", "rampart-bench-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	b := &procBench{dir: dir, connections: *connections, serverCPU: *serverCPU, loadCPU: *loadCPU, env: env, latencyLoad: *latencyLoad}
	if w, err := exec.LookPath("wrk"); err == nil && !*useGo {
		b.wrk = w
	}

	fmt.Fprintln(out, "building rampart and bareproxy")
	rampartBin, bareBin := filepath.Join(dir, "rampart"), filepath.Join(dir, "bareproxy")
	builds := map[string]string{rampartBin: "./cmd/rampart", bareBin: "./bench/bareproxy"}
	if *prebuilt != "" {
		delete(builds, rampartBin)
		rampartBin = *prebuilt
	}
	for bin, pkg := range builds {
		if o, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w: %s", pkg, err, o)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	upAddr, err := freeAddr()
	if err != nil {
		return err
	}
	up, err := startPinned("upstream", *loadCPU, upAddr, nil, self, "upstream", "-listen", upAddr)
	if err != nil {
		return err
	}
	defer up.stop()
	bareAddr, err := freeAddr()
	if err != nil {
		return err
	}
	bareArgs := []string{"-listen", bareAddr, "-upstream", up.url}
	if *cpuprofile != "" {
		bareArgs = append(bareArgs, "-cpuprofile", filepath.Join(*cpuprofile, "bare.cpu.pprof"))
	}
	bare, err := startPinned("bareproxy", *serverCPU, bareAddr, nil, bareBin, bareArgs...)
	if err != nil {
		return err
	}
	defer bare.stop()

	gen := "wrk -t1 -c" + strconv.Itoa(*connections)
	if b.wrk == "" {
		gen = "the Go load generator (wrk is not installed), " + strconv.Itoa(*connections) + " connections"
	}
	fmt.Fprintf(out, "proxies pinned to cpu %s; %s and the upstream pinned to cpu %s; %d interleaved rounds of %s per scenario\n\n",
		*serverCPU, gen, *loadCPU, *rounds, *duration)

	var results []procResult
	for _, sc := range selected {
		res, err := b.scenario(sc, rampartBin, up.url, bare, *rounds, *duration, *warmup, *cpuprofile, *memprofile)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		results = append(results, res)
		fmt.Fprintf(out, "  %s done\n", sc.name)
	}
	fmt.Fprintln(out)
	reportProcesses(out, results)
	return nil
}

func procNames() []string {
	var n []string
	for _, s := range procScenarios {
		n = append(n, s.name)
	}
	return n
}

// scenario starts Rampart with sc's configuration and measures it and
// the bare proxy in alternating order, round by round, with the same
// requests.
func (b *procBench) scenario(sc procScenario, bin, upstream string, bare *proc, rounds int, d, warmup time.Duration, cpuprofile, memprofile string) (procResult, error) {
	dir := filepath.Join(b.dir, sc.name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return procResult{}, err
	}
	file := dir
	if sc.setup != nil {
		if _, err := sc.setup(dir); err != nil {
			return procResult{}, err
		}
	}
	if err := b.writeLoad(dir, sc); err != nil {
		return procResult{}, err
	}
	addr, err := freeAddr()
	if err != nil {
		return procResult{}, err
	}
	cfg := fmt.Sprintf("server:\n  listen: %q\nlog:\n  server: %q\n  access: %q\n  events: %q\n", addr,
		filepath.Join(dir, "server.log"), filepath.Join(dir, "access.log"), filepath.Join(dir, "events.log"))
	cfg += strings.NewReplacer("{{upstream}}", upstream, "{{file}}", file).Replace(sc.config)
	cfgPath := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return procResult{}, err
	}
	var env []string
	env = append(env, b.env...)
	if cpuprofile != "" {
		env = append(env, "RAMPART_CPUPROFILE="+filepath.Join(cpuprofile, sc.name+".cpu.pprof"))
	}
	if memprofile != "" {
		env = append(env, "RAMPART_MEMPROFILE="+filepath.Join(memprofile, sc.name+".mem.pprof"))
	}
	gw, err := startPinned("rampart "+sc.name, b.serverCPU, addr, env, bin, "serve", "-c", cfgPath)
	if err != nil {
		return procResult{}, err
	}
	defer gw.stop()

	res := procResult{sc: sc}
	url := func(p *proc) string { return p.url + sc.path }
	for _, p := range []*proc{bare, gw} {
		if _, err := b.load(p.pid(), url(p), warmup, 0); err != nil {
			return res, err
		}
	}
	// measure runs the interleaved rounds at one offered rate (0:
	// saturating) and appends each proxy's samples.
	measure := func(rate float64, bareOut, gwOut *[]sample) error {
		for i := range rounds {
			order := []*proc{bare, gw}
			if i%2 == 1 {
				order = []*proc{gw, bare}
			}
			for _, p := range order {
				s, err := b.load(p.pid(), url(p), d, rate)
				if err != nil {
					return err
				}
				if s.non2xx > s.requests/100 {
					return fmt.Errorf("%s: %d of %d answers were not 2xx (log: %s)", p.name, s.non2xx, s.requests, p.log.String())
				}
				if p == bare {
					*bareOut = append(*bareOut, s)
				} else {
					*gwOut = append(*gwOut, s)
				}
			}
		}
		return nil
	}
	if err := measure(0, &res.bare, &res.rampart); err != nil {
		return res, err
	}
	if b.latencyLoad > 0 {
		// A fraction of the slower proxy's rate, so that both can serve it.
		res.rate = b.latencyLoad * min(median(res.bare).rps(), median(res.rampart).rps())
		if err := measure(res.rate, &res.bareOpen, &res.rampartOpen); err != nil {
			return res, err
		}
	}
	if res.rss, res.peakRSS, err = residentMemory(gw.pid()); err != nil {
		return res, err
	}
	if err := gw.stop(); err != nil {
		return res, err
	}
	return res, nil
}

// residentMemory reads a process's resident set and its high-water mark
// from /proc/PID/status, in bytes.
func residentMemory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok || name != "VmRSS" && name != "VmHWM" {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s: %w", pid, name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak, nil
}

// writeLoad writes the scenario's wrk script, which sends pre-formatted
// requests in turn (1,000 distinct tokens for JWT scenarios), and the
// token file of the Go generator.
func (b *procBench) writeLoad(dir string, sc procScenario) error {
	var lua strings.Builder
	lua.WriteString("local reqs = {}\nlocal i = 0\nfunction init(args)\n")
	b.tokens = ""
	if sc.jwt {
		lua.WriteString("  local tokens = {\n")
		for _, t := range jwtTokens {
			fmt.Fprintf(&lua, "    %q,\n", t)
		}
		lua.WriteString("  }\n  for k, t in ipairs(tokens) do\n")
		lua.WriteString("    reqs[k] = wrk.format(nil, nil, {Origin = \"https://app.example.com\", Authorization = \"Bearer \" .. t})\n  end\n")
		b.tokens = filepath.Join(dir, "tokens.txt")
		if err := os.WriteFile(b.tokens, []byte(strings.Join(jwtTokens, "\n")), 0o600); err != nil {
			return err
		}
	} else {
		lua.WriteString("  reqs[1] = wrk.format(nil, nil, {Origin = \"https://app.example.com\"})\n")
	}
	lua.WriteString("end\nfunction request()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n")
	b.script = filepath.Join(dir, "load.lua")
	return os.WriteFile(b.script, []byte(lua.String()), 0o600)
}

// reportProcesses prints one Markdown row per scenario: Rampart's
// median round, the bare proxy's in the same rounds, CPU per request over
// all rounds and the ratios, with the spread of the per-round CPU ratio.
func reportProcesses(out io.Writer, results []procResult) {
	fmt.Fprintln(out, "| scenario | req/s | p50 | p99 | CPU µs/req | bare req/s | bare p99 | bare CPU µs/req | CPU ratio bare/Rampart (rounds) | req/s ratio | p99 ratio |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		g, bm := median(r.rampart), median(r.bare)
		gc, bc := cpuPerRequest(r.rampart), cpuPerRequest(r.bare)
		var per []float64
		for i := range r.rampart {
			per = append(per, cpuPerRequest(r.bare[i:i+1])/cpuPerRequest(r.rampart[i:i+1]))
		}
		fmt.Fprintf(out, "| %s | %.0f | %s | %s | %.1f | %.0f | %s | %.1f | **%.2f** (%.2f–%.2f) | %.2f | %.2f |\n",
			r.sc.name, g.rps(), ms(g.p50), ms(g.p99), gc, bm.rps(), ms(bm.p99), bc,
			bc/gc, slices.Min(per), slices.Max(per), g.rps()/bm.rps(), float64(g.p99)/float64(bm.p99))
	}
	fmt.Fprintln(out)
	if len(results) > 0 && results[0].rate > 0 {
		reportOpenLoop(out, results)
	}
	for _, r := range results {
		fmt.Fprintf(out, "  %-10s %s\n", r.sc.name, r.sc.about)
	}
	fmt.Fprintln(out)
	for _, r := range results {
		fmt.Fprintf(out, "  %-10s Rampart's resident memory after the last round %.1f MiB, peak %.1f MiB\n",
			r.sc.name, float64(r.rss)/(1<<20), float64(r.peakRSS)/(1<<20))
	}
}

// reportOpenLoop prints latency at the same offered load: the rounds in
// which both proxies got the same fixed request rate. Each figure is the
// median over the rounds; the ratio is of those medians.
func reportOpenLoop(out io.Writer, results []procResult) {
	fmt.Fprintln(out, "Latency at the same load: both proxies offered the same fixed rate (open loop, the Go generator, latency counted from when each request was due)")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| scenario | offered req/s | p50 | p99 | p99.9 | bare p50 | bare p99 | bare p99.9 | p99 ratio | CPU µs/req | bare CPU µs/req | CPU ratio bare/Rampart |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		g, bm := quantiles(r.rampartOpen), quantiles(r.bareOpen)
		gc, bc := cpuPerRequest(r.rampartOpen), cpuPerRequest(r.bareOpen)
		fmt.Fprintf(out, "| %s | %.0f | %s | %s | %s | %s | %s | %s | **%.2f** | %.1f | %.1f | %.2f |\n",
			r.sc.name, r.rate, ms(g.p50), ms(g.p99), ms(g.p999), ms(bm.p50), ms(bm.p99), ms(bm.p999),
			float64(g.p99)/float64(bm.p99), gc, bc, bc/gc)
	}
	fmt.Fprintln(out)
}

// quantiles is the median over samples of each latency quantile.
func quantiles(s []sample) sample {
	pick := func(f func(sample) time.Duration) time.Duration {
		v := make([]time.Duration, len(s))
		for i, x := range s {
			v[i] = f(x)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return sample{
		p50:  pick(func(x sample) time.Duration { return x.p50 }),
		p99:  pick(func(x sample) time.Duration { return x.p99 }),
		p999: pick(func(x sample) time.Duration { return x.p999 }),
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// median is the round with the median request rate.
func median(s []sample) sample {
	c := slices.Clone(s)
	slices.SortFunc(c, func(a, b sample) int { return cmp.Compare(a.rps(), b.rps()) })
	return c[len(c)/2]
}

// cpuPerRequest is the server's CPU time per request over samples, in
// microseconds.
func cpuPerRequest(s []sample) float64 {
	var cpu time.Duration
	var n int64
	for _, x := range s {
		cpu += x.cpu
		n += x.requests
	}
	return float64(cpu.Microseconds()) / float64(n)
}
