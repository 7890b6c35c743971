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
	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/config"
)

// ErrServerStopped is returned by [Server.Reload] once [Server.Serve] has
// begun closing configurations.
var ErrServerStopped = errors.New("gateway: server stopped")

// Server runs a Gateway on a listener and swaps in new configurations.
//
// A reload retires the gateway it replaces: requests already running on
// it finish there, and it is closed when the last of them returns, or
// after the drain bound if one hangs. The drain bound is the longer of the
// write and shutdown timeouts: past the write timeout a client can no
// longer be answered, and the shutdown timeout is how long the operator
// has agreed to wait for requests to finish. Past the bound, a request
// still running may find its configuration's background resources closed.
//
// A Server is safe for concurrent use.
type Server struct {
	http    *http.Server
	current atomic.Pointer[Gateway]
	opts    Options
	// Listener settings are fixed at start; a reload does not change them.
	tls        *config.TLS
	shutdown   time.Duration
	drain      time.Duration // longest wait for a retired gateway's requests
	drainDelay time.Duration // serving on after a stop, for load balancers
	now        chan struct{} // closed by StopNow
	draining   atomic.Bool   // a stop has begun; readiness fails
	nowOnce    sync.Once

	mu      sync.Mutex // serialises reloads and shutdown
	stopped bool       // Serve is closing configurations; reloads are refused

	retiredMu sync.Mutex
	retired   map[*Gateway]*time.Timer // retired and not yet closed, with the drain bound's timer
	closing   sync.WaitGroup           // closes of retired gateways under way

	closed func(*Gateway) // called after the server closes a gateway (tests)
}

// retiredBit marks, in a gateway's in-flight count, that a reload has
// replaced it: no request starts on it any more, and the request that
// brings the count to zero has it closed.
const retiredBit = 1 << 62

// inflight counts the requests a Server runs on a gateway, plus
// [retiredBit]. It has cache lines of its own: every request writes it,
// and every request reads the Gateway fields around it.
type inflight struct {
	_ [64]byte
	n atomic.Int64
	_ [56]byte
}

// NewServer compiles cfg and prepares the HTTP server with its timeouts
// and header limit.
func NewServer(cfg *config.Config, opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Shared == nil {
		opts.Shared = NewShared()
	}
	opts.Events, opts.Access = opts.Events.Observed(opts.Hub), opts.Access.Observed(opts.Hub)
	gw, err := New(cfg, opts)
	if err != nil {
		return nil, err
	}
	t := cfg.Server.Timeouts
	s := &Server{
		opts:       opts,
		tls:        cfg.Server.TLS,
		shutdown:   t.Shutdown,
		drain:      max(t.Write, t.Shutdown),
		drainDelay: t.DrainDelay,
		now:        make(chan struct{}),
		retired:    map[*Gateway]*time.Timer{},
	}
	if s.drain <= 0 {
		s.drain = config.DefaultTimeouts.Shutdown
	}
	s.current.Store(gw)
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
		// The peer address is read once per connection, not parsed from
		// RemoteAddr on every request it carries.
		ConnContext: clientip.ConnContext,
	}
	return s, nil
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	g := s.acquire()
	defer s.release(g)
	g.ServeHTTP(w, r)
}

// acquire returns the current gateway with one more request counted on
// it. A gateway retired between the load and the count is given back and
// the pointer loaded again: [Server.Reload] swaps the pointer before it
// marks the old gateway retired, so the second load sees the new one.
func (s *Server) acquire() *Gateway {
	for {
		g := s.current.Load()
		if g.inflight.n.Add(1)&retiredBit == 0 {
			return g
		}
		s.release(g)
	}
}

// release ends one request on g. The last request on a retired gateway
// has it closed, off the request's goroutine so that the response is not
// held up by the close.
func (s *Server) release(g *Gateway) {
	if g.inflight.n.Add(-1) == retiredBit {
		go s.closeRetired(g)
	}
}

// Gateway returns the configuration being served.
func (s *Server) Gateway() *Gateway { return s.current.Load() }

// Reload compiles cfg and swaps it in; requests already running finish on
// the configuration they started on, which is then closed (see [Server]).
// On any error the running configuration stays and the error, which lists
// every problem, is returned; the security event records only how many
// there were, since their text can quote configuration values. Listener
// settings (listen, timeouts, TLS) are not reloaded. Once [Server.Serve]
// is shutting down, Reload returns [ErrServerStopped].
func (s *Server) Reload(cfg *config.Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return ErrServerStopped
	}
	gw, err := New(cfg, s.opts)
	if err != nil {
		s.Rejected(problemCount(err))
		return err
	}
	old := s.current.Swap(gw)
	s.opts.Events.Emit(nil, audit.Event{Name: audit.ConfigReloaded, Reason: "configuration reloaded"})
	s.retire(old)
	return nil
}

// Rejected records a reload refused before it reached [Server.Reload],
// such as a file that does not load, as a config.rejected security event.
// The event carries only the number of problems: their text can quote
// configuration values, secrets included.
func (s *Server) Rejected(problems int) {
	s.opts.Events.Emit(nil, audit.Event{
		Name:   audit.ConfigRejected,
		Reason: "configuration rejected",
		OWASP:  audit.OWASPMisconfig,
		Attrs:  []slog.Attr{slog.Int("problems", problems)},
	})
}

// retire marks g, no longer current, as retired. It is registered before
// it is marked, so that the request that then ends last finds it.
func (s *Server) retire(g *Gateway) {
	s.retiredMu.Lock()
	s.retired[g] = time.AfterFunc(s.drain, func() { s.closeRetired(g) })
	s.retiredMu.Unlock()
	if g.inflight.n.Add(retiredBit) == retiredBit {
		s.closeRetired(g)
	}
}

// closeRetired closes g unless the last request, the drain bound or
// shutdown, whichever came first, already has: taking g out of the
// registry decides which one does.
func (s *Server) closeRetired(g *Gateway) {
	s.retiredMu.Lock()
	t, ok := s.retired[g]
	if ok {
		delete(s.retired, g)
		s.closing.Add(1)
	}
	s.retiredMu.Unlock()
	if !ok {
		return
	}
	defer s.closing.Done()
	t.Stop()
	if err := s.closeGateway(g); err != nil {
		s.opts.Log.Error("closing a retired configuration", slog.Any("error", err))
	}
}

// closeAll refuses further reloads, then closes the current gateway and
// every retired one not yet closed, and waits for closes under way.
func (s *Server) closeAll() error {
	s.mu.Lock()
	s.stopped = true
	cur := s.current.Load()
	s.mu.Unlock()
	s.retiredMu.Lock()
	gs := make([]*Gateway, 0, len(s.retired))
	for g, t := range s.retired {
		t.Stop()
		gs = append(gs, g)
	}
	clear(s.retired)
	s.retiredMu.Unlock()
	errs := []error{s.closeGateway(cur)}
	for _, g := range gs {
		errs = append(errs, s.closeGateway(g))
	}
	s.closing.Wait()
	return errors.Join(errs...)
}

func (s *Server) closeGateway(g *Gateway) error {
	if n := g.inflight.n.Load() &^ retiredBit; n > 0 {
		s.opts.Log.Warn("closing a configuration with requests still running", slog.Int64("requests", n))
	}
	err := g.Close()
	if s.closed != nil {
		s.closed(g)
	}
	return err
}

// Close closes every connection at once, then the current configuration
// and every retired one not yet closed; reloads are refused from then on.
// It is for a server whose [Server.Serve] failed or never ran; a running
// one is stopped by cancelling Serve's context.
func (s *Server) Close() error {
	return errors.Join(s.http.Close(), s.closeAll())
}

// problemCount is the number of errors err joins.
func problemCount(err error) int {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return len(j.Unwrap())
	}
	return 1
}

// StopNow ends a stop under way at once: the drain delay and the wait for
// in-flight requests are cut short and every connection is closed. It is
// what a second stop signal does. Called before the stop, it makes the
// stop immediate.
func (s *Server) StopNow() { s.nowOnce.Do(func() { close(s.now) }) }

// Serve accepts connections on ln until ctx is done. It then keeps
// serving for the drain delay (server.timeouts.drain_delay) with
// keep-alives off, so that load balancers notice the stop and clients
// reconnect elsewhere, stops accepting and waits up to the shutdown
// timeout for in-flight requests to finish; [Server.StopNow] cuts either
// wait short and closes every connection. It then closes the current
// configuration and every retired one not yet closed, and returns their
// errors joined with the shutdown's.
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
		// The listener failed: nothing will be served, so release the
		// connections and configurations now rather than never.
		return errors.Join(err, s.Close())
	case <-ctx.Done():
	}
	s.draining.Store(true)
	if s.drainDelay > 0 {
		s.http.SetKeepAlivesEnabled(false)
		s.opts.Log.Info("stopping after the drain delay", slog.Duration("drain_delay", s.drainDelay))
		t := time.NewTimer(s.drainDelay)
		select {
		case <-t.C:
		case <-s.now:
			t.Stop()
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
	defer cancel()
	go func() {
		select {
		case <-s.now:
			cancel()
		case <-sctx.Done():
		}
	}()
	err := s.http.Shutdown(sctx)
	select {
	case <-s.now:
		// Shutdown gave up waiting; close what is still open.
		err = s.http.Close()
	default:
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if cerr := s.closeAll(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}
