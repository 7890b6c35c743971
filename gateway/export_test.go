package gateway

import "net/http"

// Handler is the handler the server's listener runs.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// OnClose sets a function called after the server closes a gateway. Set
// it before the server serves or reloads.
func (s *Server) OnClose(f func(*Gateway)) { s.closed = f }

// Retired is the number of retired gateways not yet closed.
func (s *Server) Retired() int {
	s.retiredMu.Lock()
	defer s.retiredMu.Unlock()
	return len(s.retired)
}

// InFlight is the number of requests the server is running on g.
func InFlight(g *Gateway) int64 { return g.inflight.n.Load() &^ retiredBit }
