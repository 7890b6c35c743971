package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-api/rampart/internal/notedoc"
)

// runUpstream serves the upstream of the process benchmark: every path
// answers with the note (notedoc.Body).
func runUpstream(args []string, _ io.Writer) error {
	fs := flag.NewFlagSet("bench upstream", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9001", "address to serve on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv := &http.Server{Addr: *listen, ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(notedoc.Body)
	})}
	return srv.ListenAndServe()
}

// runLoad is the Go load generator. By default it is closed-loop, for
// machines without wrk: each connection sends its next request as soon as
// the previous answer is read. With -rate it is open-loop: requests are
// due at a fixed rate whatever the server does, and each latency counts
// from the moment the request was due, so a stalled server is charged for
// the requests that waited behind it (no coordinated omission). It prints
// one line the benchmark parses.
func runLoad(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench load", flag.ContinueOnError)
	url := fs.String("url", "", "URL to request")
	conns := fs.Int("c", 32, "connections")
	d := fs.Duration("d", 5*time.Second, "duration")
	rate := fs.Float64("rate", 0, "requests per second, sent on schedule (open loop); 0 is closed loop")
	tokensFile := fs.String("tokens", "", "file of bearer tokens, one a line, sent in turn")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rate < 0 {
		return fmt.Errorf("-rate %g: must not be negative", *rate)
	}
	var tokens []string
	if *tokensFile != "" {
		b, err := os.ReadFile(*tokensFile)
		if err != nil {
			return err
		}
		tokens = strings.Fields(string(b))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conns, MaxIdleConns: *conns}}
	// Requests still in flight at the end get a grace period: an open
	// loop must not drop the answers a stalled server was slowest to give.
	ctx, cancel := context.WithTimeout(context.Background(), *d+10*time.Second)
	defer cancel()
	start := time.Now()
	// due gives the i-th request's scheduled time: now in a closed loop,
	// start + i/rate in an open one.
	due := func(int64) time.Time { return time.Now() }
	if *rate > 0 {
		interval := float64(time.Second) / *rate
		due = func(i int64) time.Time { return start.Add(time.Duration(float64(i) * interval)) }
	}
	var (
		mu     sync.Mutex
		all    []time.Duration
		non2xx int
		wg     sync.WaitGroup
		next   atomic.Int64
	)
	end := start.Add(*d)
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			bad := 0
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				t := due(i)
				if !t.Before(end) {
					break
				}
				if wait := time.Until(t); wait > 0 {
					time.Sleep(wait)
				}
				req, err := http.NewRequestWithContext(ctx, "GET", *url, nil)
				if err != nil {
					return
				}
				req.Header.Set("Origin", "https://app.example.com")
				if len(tokens) > 0 {
					req.Header.Set("Authorization", "Bearer "+tokens[i%int64(len(tokens))])
				}
				res, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t))
				if res.StatusCode/100 != 2 {
					bad++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			non2xx += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(all) == 0 {
		return fmt.Errorf("no request to %s completed", *url)
	}
	slices.Sort(all)
	_, err := fmt.Fprintf(out, "requests %d non2xx %d seconds %g p50 %d p99 %d p999 %d\n", len(all), non2xx, elapsed.Seconds(),
		all[len(all)/2], all[len(all)*99/100], all[len(all)*999/1000])
	return err
}
