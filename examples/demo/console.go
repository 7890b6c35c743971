package demo

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rampart-api/rampart/console"
	"github.com/rampart-api/rampart/gateway"
)

// startConsole attaches a security console to logs and serves it on its
// own listener at addr, behind a random bearer token. The console moves
// to the admin listener, with the admin token, once the gateway has one;
// until then the demo gives it a listener of its own.
func (d *Demo) startConsole(addr string, logs *gateway.Logs) error {
	c, err := console.New(console.Config{})
	if err != nil {
		return err
	}
	logs.Observe(c.AccessHandler, c.EventHandler)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("demo console: %w", err)
	}
	d.Console, d.ConsoleToken = c, rand.Text()
	d.ConsoleURL = "http://" + ln.Addr().String() + "/console/"
	// Under /console/, as on an admin listener that serves more.
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", RequireToken(d.ConsoleToken, console.Public, c.Handler())))
	d.consoleSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = d.consoleSrv.Serve(ln) }()
	return nil
}

// RequireToken answers 401 to a request whose "Authorization: Bearer"
// token is not token, compared in constant time, unless public says the
// request needs none, and passes the others to next. The answer never
// says whether a token was sent.
func RequireToken(token string, public func(*http.Request) bool, next http.Handler) http.Handler {
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public != nil && public(r) {
			next.ServeHTTP(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rampart-console"`)
			w.Header().Set("Content-Type", "application/problem+json")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"Unauthorized","status":401}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}
