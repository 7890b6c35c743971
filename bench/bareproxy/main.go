// Command bareproxy is the baseline of Rampart's benchmark: a bare
// httputil.ReverseProxy with Rewrite and X-Forwarded-* headers, in front
// of one upstream, with the transport settings Rampart uses.
//
//	bareproxy -listen 127.0.0.1:9000 -upstream http://127.0.0.1:9001 [-cpuprofile FILE]
//
// With -cpuprofile it writes a CPU profile from start to SIGTERM, so the
// baseline's profile can be set beside Rampart's.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/rampart-api/rampart/proxy"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "address to serve on")
	upstream := flag.String("upstream", "", "upstream URL")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file until SIGTERM")
	flag.Parse()
	u, err := url.Parse(*upstream)
	if err != nil || u.Host == "" {
		log.Fatalf("bareproxy: -upstream %q is not a URL", *upstream)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			log.Fatalf("bareproxy: cpu profile: %v", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				log.Printf("bareproxy: cpu profile: %v", err)
			}
		}()
	}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u); pr.SetXForwarded() },
		Transport: proxy.NewTransport(30 * time.Second),
	}
	srv := &http.Server{Addr: *listen, Handler: rp, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Print(err)
	}
}
