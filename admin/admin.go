package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/rampart-api/rampart/problem"
)

// Options configure a [Server].
type Options struct {
	// Token, when not empty, is required of every request as
	// "Authorization: Bearer <token>".
	Token string
	// Ready reports what keeps the service from taking traffic, one
	// error per dependency joined; nil means always ready.
	Ready func(ctx context.Context) error
	// Metrics serves GET /metrics; nil leaves it out.
	Metrics http.Handler
	// Pprof serves net/http/pprof under /debug/pprof/.
	Pprof bool
	// Public, when set, reports the requests that need no token even when
	// Token is set: files that carry no data, such as the security
	// console's page and assets (see console.Public), which a browser loads
	// before it can send a token.
	Public func(r *http.Request) bool
	// Log receives the listener's own errors; nil discards.
	Log *slog.Logger
}

// Server is the admin HTTP server. It is safe for concurrent use,
// [Server.Handle] included.
type Server struct {
	mux    *http.ServeMux
	token  [sha256.Size]byte
	auth   bool
	ready  func(ctx context.Context) error
	public func(r *http.Request) bool
	http   *http.Server
}

// readyTimeout bounds one readiness check.
const readyTimeout = 3 * time.Second

// New returns a server with its built-in endpoints registered.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{mux: http.NewServeMux(), ready: o.Ready, public: o.Public}
	if o.Token != "" {
		s.auth, s.token = true, sha256.Sum256([]byte(o.Token))
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if o.Metrics != nil {
		s.mux.Handle("GET /metrics", o.Metrics)
	}
	if o.Pprof {
		s.mux.HandleFunc("/debug/pprof/", pprof.Index)
		s.mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		s.mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		s.mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		s.mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		// A CPU profile or an event stream may run for minutes.
		WriteTimeout:   0,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 16 << 10,
		ErrorLog:       slog.NewLogLogger(o.Log.Handler(), slog.LevelDebug),
	}
	return s
}

// Handle mounts h at pattern (a [http.ServeMux] pattern such as
// "GET /console/"), behind the same token check as the built-in
// endpoints. It panics, as ServeMux does, on a pattern that conflicts with
// one already registered; it is meant for code, not for configuration.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP checks the token, then dispatches. /healthz and /readyz
// answer without it, since load balancers, kubelets and container health
// checks cannot carry a secret; /readyz then gives only its status and
// keeps the list of what is not ready for callers with the token. The
// requests [Options.Public] accepts answer without it too.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.auth && !probe(r) && (s.public == nil || !s.public(r)) && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rampart-admin"`)
		problem.Write(w, r, problem.New(http.StatusUnauthorized, "admin token missing or wrong"))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// probe reports whether r is a health or readiness probe.
func probe(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && (r.URL.Path == "/healthz" || r.URL.Path == "/readyz")
}

// authorized compares the bearer token with the configured one in
// constant time: both are hashed first, so neither the length nor a
// common prefix shows in the timing.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(h[len(prefix):])))
	return subtle.ConstantTimeCompare(got[:], s.token[:]) == 1
}

// readyz answers 200 when ready, 503 with one line per dependency that
// is not.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var err error
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		err = s.ready(ctx)
	}
	if err == nil {
		_, _ = io.WriteString(w, "ready\n")
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	if s.auth && !s.authorized(r) {
		_, _ = io.WriteString(w, "not ready\n")
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(w, "not ready: %s\n", line)
	}
}

// Serve answers on ln until ctx is done, then stops accepting and waits
// up to 5s for requests under way (a long pprof profile or event stream
// is cut). It returns nil after a stop and the listener's error
// otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.http.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
