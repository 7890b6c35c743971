package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
)

// Server runs a Gateway on a listener and swaps in new configurations.
type Server struct {
	http    *http.Server
	current atomic.Pointer[Gateway]
	opts    Options
	// Listener settings are fixed at start; a reload does not change them.
	tls      *config.TLS
	shutdown time.Duration
	mu       sync.Mutex // serialises reloads
}

// NewServer compiles cfg and prepares the HTTP server with its timeouts
// and header limit.
func NewServer(cfg *config.Config, opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	gw, err := New(cfg, opts)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, tls: cfg.Server.TLS, shutdown: cfg.Server.Timeouts.Shutdown}
	s.current.Store(gw)
	t := cfg.Server.Timeouts
	s.http = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		// The gateway answers headers over max_header_bytes with a
		// problem document; net/http's own limit is the backstop for
		// far larger blocks, which get its plain 431.
		MaxHeaderBytes: 2 * cfg.Server.MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(opts.Log.Handler(), slog.LevelDebug),
	}
	return s, nil
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.current.Load().ServeHTTP(w, r)
}

// Gateway returns the configuration being served.
func (s *Server) Gateway() *Gateway { return s.current.Load() }

// Reload compiles cfg and swaps it in. On any error the running
// configuration stays. Listener settings (listen, timeouts, TLS) are not
// reloaded.
func (s *Server) Reload(cfg *config.Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	gw, err := New(cfg, s.opts)
	if err != nil {
		s.opts.Events.Emit(nil, audit.Event{Name: audit.ConfigRejected, Reason: err.Error()})
		return err
	}
	old := s.current.Swap(gw)
	s.opts.Events.Emit(nil, audit.Event{Name: audit.ConfigReloaded, Reason: "configuration reloaded"})
	// In-flight requests may still use old's resources; give them the
	// write timeout before closing.
	go func() {
		time.Sleep(cfg.Server.Timeouts.Write)
		_ = old.Close()
	}()
	return nil
}

// Serve accepts connections on ln until ctx is done, then stops accepting
// and waits up to the shutdown timeout for in-flight requests to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() {
		if tls := s.tls; tls != nil {
			errc <- s.http.ServeTLS(ln, tls.CertFile, tls.KeyFile)
		} else {
			errc <- s.http.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
	defer cancel()
	err := s.http.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if cerr := s.current.Load().Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}
