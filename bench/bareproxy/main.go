// Command bareproxy is the baseline of Rampart's benchmark: a bare
// httputil.ReverseProxy with Rewrite and X-Forwarded-* headers, in front
// of one upstream, with the transport settings Rampart uses.
//
//	bareproxy -listen 127.0.0.1:9000 -upstream http://127.0.0.1:9001
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/rampart-api/rampart/proxy"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "address to serve on")
	upstream := flag.String("upstream", "", "upstream URL")
	flag.Parse()
	u, err := url.Parse(*upstream)
	if err != nil || u.Host == "" {
		log.Fatalf("bareproxy: -upstream %q is not a URL", *upstream)
	}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u); pr.SetXForwarded() },
		Transport: proxy.NewTransport(30 * time.Second),
	}
	srv := &http.Server{Addr: *listen, Handler: rp, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
