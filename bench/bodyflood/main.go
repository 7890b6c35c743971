// Command bodyflood measures how much memory a rampart binary grows by
// when many clients open request bodies and never finish them. It starts
// an upstream, runs the binary with a route that requires an API key, and
// opens -conns connections that each send one of:
//
//	headers   the request headers with Content-Length: -length, then nothing
//	stalled   the headers and all but one byte of a -length body
//	chunked   a chunked body of about -length bytes, never terminated
//
// then reports the binary's resident memory (VmRSS, Linux) before and
// after, and how the connections were answered.
//
//	go build -o /tmp/rampart ./cmd/rampart
//	go run ./bench/bodyflood -bin /tmp/rampart -mode headers -conns 500
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-api/rampart/auth/apikey"
)

const key = "bodyflood-key-0123456789abcdef"

var listening = regexp.MustCompile(`"msg":"rampart listening".*"addr":"([^"]+)"`)

func main() {
	bin := flag.String("bin", "", "rampart binary")
	mode := flag.String("mode", "headers", "headers, stalled or chunked")
	conns := flag.Int("conns", 500, "connections")
	length := flag.Int("length", 1<<20, "declared or sent body length")
	uploads := flag.Int("uploads-per-client", 0, "server.max_uploads_per_client (0: default)")
	settle := flag.Duration("settle", 3*time.Second, "wait before measuring")
	flag.Parse()
	if *bin == "" {
		log.Fatal("-bin is required")
	}

	up := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	})}
	uln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = up.Serve(uln) }()

	dir, err := os.MkdirTemp("", "bodyflood")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	server := "max_body_bytes: 2097152"
	if *uploads != 0 {
		server += ", max_uploads_per_client: " + strconv.Itoa(*uploads)
	}
	cfg := fmt.Sprintf(`
server: {listen: "127.0.0.1:0", %s, timeouts: {read: 60s, write: 60s}}
upstreams:
  app: {url: "http://%s"}
auth:
  apikey:
    keys: [{hash: "%s", subject: flood}]
routes:
  - {path: /upload, methods: [POST], upstream: app, auth: apikey}
log: {access: "off", events: "off", server: stderr}
`, server, uln.Addr(), apikey.Hash(key))
	path := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(*bin, "serve", "--config", path)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addr := waitListening(stderr)
	time.Sleep(500 * time.Millisecond)
	before := rss(cmd.Process.Pid)

	var mu sync.Mutex
	answers := map[string]int{}
	var wg sync.WaitGroup
	open := make([]net.Conn, 0, *conns)
	for range *conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			log.Fatal(err)
		}
		open = append(open, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			send(c, *mode, *length)
			_ = c.SetReadDeadline(time.Now().Add(*settle + 2*time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			status := "held open"
			if err == nil {
				status = strings.TrimSpace(line)
			}
			mu.Lock()
			answers[status]++
			mu.Unlock()
		}()
	}
	time.Sleep(*settle)
	after := rss(cmd.Process.Pid)
	for _, c := range open {
		_ = c.Close()
	}
	wg.Wait()
	fmt.Printf("mode=%s conns=%d length=%d\n", *mode, *conns, *length)
	fmt.Printf("VmRSS before %.1f MiB, under load %.1f MiB, growth %.1f MiB\n", mib(before), mib(after), mib(after-before))
	for k, v := range answers {
		fmt.Printf("  %4d  %s\n", v, k)
	}
}

func send(c net.Conn, mode string, length int) {
	head := "POST /upload HTTP/1.1\r\nHost: flood\r\nX-API-Key: " + key + "\r\nContent-Type: application/octet-stream\r\n"
	switch mode {
	case "headers":
		_, _ = io.WriteString(c, head+"Content-Length: "+strconv.Itoa(length)+"\r\n\r\n")
	case "stalled":
		_, _ = io.WriteString(c, head+"Content-Length: "+strconv.Itoa(length)+"\r\n\r\n")
		_, _ = c.Write(make([]byte, length-1))
	case "chunked":
		_, _ = io.WriteString(c, head+"Transfer-Encoding: chunked\r\n\r\n")
		chunk := make([]byte, 32<<10)
		for sent := 0; sent+len(chunk) <= length; sent += len(chunk) {
			if _, err := fmt.Fprintf(c, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
				return
			}
		}
	default:
		log.Fatalf("unknown mode %q", mode)
	}
}

func waitListening(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return m[1]
		}
	}
	log.Fatal("rampart exited before listening")
	return ""
}

// rss is the resident set size of pid in bytes.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
