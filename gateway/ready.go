package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rampart-api/rampart/auth/jwt"
)

// ErrDraining is what [Server.Ready] returns once the server is stopping:
// load balancers take it out of rotation during the drain delay.
var ErrDraining = errors.New("stopping: draining connections")

// dependencies are what a gateway needs from outside before it can serve
// as configured.
type dependencies struct {
	jwt   *jwt.Authenticator              // nil: no JWT issuers
	store func(ctx context.Context) error // pings the shared rate-limit and brute-force store; nil: in memory
}

// storeProbeTimeout bounds one readiness ping of the store.
const storeProbeTimeout = 2 * time.Second

// Ready reports what keeps the gateway from serving as configured, one
// error per dependency joined: each JWT issuer whose remote key set
// (JWKS URL or discovery) has no keys yet, and the rate-limit and
// brute-force store when it does not answer a ping within ctx or 2s. It
// returns nil when every dependency is ready. Errors name the dependency
// and never carry secrets such as a store's URL.
func (g *Gateway) Ready(ctx context.Context) error {
	var errs []error
	if g.deps.jwt != nil {
		for _, ks := range g.deps.jwt.KeySets() {
			if ks.Keys == 0 {
				errs = append(errs, fmt.Errorf("auth.jwt issuer %s: no keys yet (%d fetches failed)", ks.Issuer, ks.FetchFailures))
			}
		}
	}
	if g.deps.store != nil {
		ctx, cancel := context.WithTimeout(ctx, storeProbeTimeout)
		defer cancel()
		if err := g.deps.store(ctx); err != nil {
			errs = append(errs, errors.New("rate_limits.store redis: not answering"))
		}
	}
	return errors.Join(errs...)
}

// KeySets describes the JWT issuers' key sets of the gateway (see
// [jwt.Authenticator.KeySets]); nil without JWT authentication.
func (g *Gateway) KeySets() []jwt.KeySetStatus {
	if g.deps.jwt == nil {
		return nil
	}
	return g.deps.jwt.KeySets()
}

// Ready reports whether the server can take traffic: [ErrDraining] once
// a stop has begun, otherwise what [Gateway.Ready] says of the
// configuration being served.
func (s *Server) Ready(ctx context.Context) error {
	if s.draining.Load() {
		return ErrDraining
	}
	return s.Gateway().Ready(ctx)
}

// InFlight is the number of requests being served, on the current
// configuration and on retired ones still finishing.
func (s *Server) InFlight() int64 {
	n := s.current.Load().inflight.n.Load() &^ retiredBit
	s.retiredMu.Lock()
	for g := range s.retired {
		n += g.inflight.n.Load() &^ retiredBit
	}
	s.retiredMu.Unlock()
	return n
}
