package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

func main() {
	args := os.Args[1:]
	run := runProcesses
	if len(args) > 0 {
		switch args[0] {
		case "inprocess":
			run, args = runInProcess, args[1:]
		case "upstream":
			run, args = runUpstream, args[1:]
		case "load":
			run, args = runLoad, args[1:]
		}
	}
	if err := run(args, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// runInProcess is the loopback benchmark with everything in one process.
func runInProcess(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench inprocess", flag.ContinueOnError)
	duration := fs.Duration("duration", 5*time.Second, "length of one measurement")
	rounds := fs.Int("rounds", 3, "interleaved rounds per scenario (the median is reported)")
	concurrency := fs.Int("concurrency", 32, "closed-loop clients")
	names := fs.String("scenarios", "", "comma-separated scenarios (default: all): "+strings.Join(scenarioNames(), ","))
	if err := fs.Parse(args); err != nil {
		return err
	}
	selected := scenarioNames()
	if *names != "" {
		selected = strings.Split(*names, ",")
	}
	up, err := listen(upstream())
	if err != nil {
		return err
	}
	defer up.Close()
	upURL, _ := url.Parse(up.URL)

	var targets []*target
	for _, name := range selected {
		sc, ok := findScenario(name)
		if !ok {
			return fmt.Errorf("unknown scenario %q", name)
		}
		h, closeFn, err := sc.build(upURL)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		srv, err := listen(h)
		if err != nil {
			return err
		}
		targets = append(targets, &target{scenario: sc, srv: srv, close: closeFn})
	}
	defer func() {
		for _, t := range targets {
			t.srv.Close()
			if t.close != nil {
				t.close()
			}
		}
	}()

	fmt.Fprintf(out, "loopback benchmark: %d clients, %d rounds of %s, GOMAXPROCS=%d\n\n", *concurrency, *rounds, *duration, gomaxprocs())
	for _, t := range targets { // warm up connections and caches
		if _, err := measure(t, *concurrency, time.Second/2); err != nil {
			return fmt.Errorf("%s: %w", t.scenario.name, err)
		}
	}
	for r := 0; r < *rounds; r++ {
		for _, t := range targets {
			res, err := measure(t, *concurrency, *duration)
			if err != nil {
				return fmt.Errorf("%s: %w", t.scenario.name, err)
			}
			t.results = append(t.results, res)
		}
	}
	report(out, targets)
	return nil
}

type target struct {
	scenario scenario
	srv      *server
	close    func()
	results  []result
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

func (t *target) median() result {
	rs := slices.Clone(t.results)
	sort.Slice(rs, func(i, j int) bool { return rs[i].rps < rs[j].rps })
	return rs[len(rs)/2]
}

func report(out io.Writer, targets []*target) {
	var bare float64
	for _, t := range targets {
		if t.scenario.name == "bare" {
			bare = t.median().rps
		}
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "scenario\treq/s\tp50\tp99\terrors\tvs bare proxy\t")
	for _, t := range targets {
		m := t.median()
		ratio := "-"
		if bare > 0 {
			ratio = fmt.Sprintf("%.2fx", m.rps/bare)
		}
		fmt.Fprintf(w, "%s\t%.0f\t%s\t%s\t%d\t%s\t\n", t.scenario.name, m.rps, m.p50.Round(time.Microsecond), m.p99.Round(time.Microsecond), m.errors, ratio)
	}
	w.Flush()
	fmt.Fprintln(out)
	for _, t := range targets {
		fmt.Fprintf(out, "  %-10s %s\n", t.scenario.name, t.scenario.about)
	}
}

// measure runs a closed loop: each client sends its next request as soon
// as the previous answer is read.
func measure(t *target, clients int, d time.Duration) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	var errs, unexpected int
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<14)
			var e, u int
			for i := c; ctx.Err() == nil; i += clients {
				req := t.scenario.request(t.srv.URL, i)
				start := time.Now()
				res, err := t.srv.client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						e++
					}
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(start))
				if res.StatusCode != t.scenario.status {
					u++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			errs += e
			unexpected += u
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	if len(all) == 0 {
		return result{}, errors.New("no request completed")
	}
	if unexpected > len(all)/100 {
		return result{}, fmt.Errorf("%d of %d answers had an unexpected status", unexpected, len(all))
	}
	slices.Sort(all)
	return result{
		rps:    float64(len(all)) / d.Seconds(),
		p50:    all[len(all)/2],
		p99:    all[len(all)*99/100],
		errors: errs + unexpected,
	}, nil
}

type server struct {
	URL    string
	srv    *http.Server
	client *http.Client
}

func listen(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}}
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024, MaxIdleConns: 1024, IdleConnTimeout: time.Minute}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) Close() {
	_ = s.srv.Close()
	s.client.CloseIdleConnections()
}

// upstream answers like a small JSON API.
func upstream() http.Handler {
	body := []byte(`{"id":42,"owner":7,"title":"A note","body":"Some text that an API would return, about a hundred bytes long."}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}

func bareProxy(u *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u); pr.SetXForwarded() },
		Transport: &http.Transport{MaxIdleConnsPerHost: 1024, MaxIdleConns: 1024, IdleConnTimeout: time.Minute},
	}
}
