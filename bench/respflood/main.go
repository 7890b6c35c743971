// Command respflood measures the memory Rampart takes to filter many
// large responses at once. It starts an upstream whose JSON responses
// carry an undeclared property on every item, Rampart in front of it with
// responses: filter, and sends -conns requests together. The upstream
// sends each body but its last byte, waits until every request has got
// that far, then finishes, so that every response is held at the same
// time. It reports the peak Go heap in use and the growth of the peak
// resident set (VmHWM, Linux) over the run, and how the requests were
// answered.
//
//	go run ./bench/respflood -conns 40 -size 3145728
//	go run ./bench/respflood -budget 1073741824   # a budget that never binds
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

const document = `openapi: 3.0.3
info: {title: items, version: "1"}
paths:
  /items:
    get:
      responses:
        "200":
          description: items
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items:
                      type: object
                      properties:
                        id: {type: integer}
                        name: {type: string}
`

func main() {
	conns := flag.Int("conns", 40, "requests sent together")
	size := flag.Int("size", 3<<20, "bytes in each upstream response")
	budget := flag.Int64("budget", 0, "server.max_buffered_bytes (0: the default)")
	flag.Parse()

	body := items(*size)
	var arrived sync.WaitGroup
	arrived.Add(*conns)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:len(body)-1])
		http.NewResponseController(w).Flush()
		arrived.Done()
		<-all
		// Let the gateway take in what is still in socket buffers.
		time.Sleep(100 * time.Millisecond)
		_, _ = w.Write(body[len(body)-1:])
	}))
	defer up.Close()

	gw, err := gateway.New(load(up.URL, *budget), gateway.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()
	front := httptest.NewServer(gw)
	defer front.Close()

	runtime.GC()
	debug.FreeOSMemory()
	rssBefore, _ := status("VmHWM")
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peakHeap.Load() {
				peakHeap.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: *conns, MaxIdleConnsPerHost: *conns}}
	codes := make(map[int]int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range *conns {
		wg.Go(func() {
			res, err := client.Get(front.URL + "/items")
			if err != nil {
				log.Print(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			mu.Lock()
			codes[res.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	rssAfter, _ := status("VmHWM")
	fmt.Printf("conns=%d size=%d budget=%d elapsed=%s\n", *conns, len(body), *budget, elapsed.Round(time.Millisecond))
	fmt.Printf("peak heap objects: %.1f MiB (%.2f x conns x size)\n", mib(peakHeap.Load()), float64(peakHeap.Load())/float64(*conns*len(body)))
	fmt.Printf("peak RSS growth (VmHWM): %.1f MiB\n", float64(rssAfter-rssBefore)/1024)
	fmt.Printf("statuses: %v\n", codes)
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// items is a JSON document of about size bytes whose items each carry an
// undeclared secret.
func items(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item number %d","secret":"s3cr3t-%d"}`, i, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func load(upstream string, budget int64) *config.Config {
	dir, err := os.MkdirTemp("", "respflood")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(document), 0o600); err != nil {
		log.Fatal(err)
	}
	server := ""
	if budget > 0 {
		server = fmt.Sprintf("server: {max_buffered_bytes: %d}\n", budget)
	}
	yaml := server + `upstreams:
  app:
    url: ` + upstream + `
    openapi: ./openapi.yaml
    validation: {requests: off, responses: filter, inventory: enforce}
routes:
  - {path: /items, methods: [GET], upstream: app, auth: none}
`
	file := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		log.Fatal(err)
	}
	cfg, diags := config.Load(file)
	if diags.HasErrors() {
		log.Fatal(diags)
	}
	return cfg
}

// status reads a kB figure from /proc/self/status.
func status(field string) (int64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}
