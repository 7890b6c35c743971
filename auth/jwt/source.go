package jwt

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
)

// KeySource supplies an issuer's keys from inside the process, as the
// token service does for the gateway's own tokens: no fetch, no cache
// lifetime, and a new set takes effect as soon as it is published.
type KeySource interface {
	// PublicJWKS returns the current JWK Set and a channel closed when a
	// newer one replaces it.
	PublicJWKS() (jwks []byte, changed <-chan struct{})
}

// Revocation reports revoked token ids. It is asked about every token
// that carries a jti, on every request, after the verified-token cache,
// so it must be cheap and must not block: an in-memory set.
type Revocation interface {
	Revoked(jti string) bool
}

// ErrRevoked is a token whose jti has been revoked.
var ErrRevoked = errors.New("jwt: token revoked")

// sourceWatcher keeps an issuer's key set equal to its KeySource's.
type sourceWatcher struct {
	src  KeySource
	pol  keyPolicy
	keys *atomic.Pointer[keySet]
	ctx  context.Context
	log  *slog.Logger
}

// load installs the source's current set and returns its change channel.
func (w *sourceWatcher) load() (<-chan struct{}, error) {
	b, changed := w.src.PublicJWKS()
	ks, err := parseJWKS(b, w.pol)
	if err != nil {
		return changed, err
	}
	w.keys.Store(ks)
	return changed, nil
}

func (w *sourceWatcher) start() {
	go func() {
		for {
			changed, err := w.load()
			if err != nil {
				// The previous set stays: a bad set never replaces a good one.
				w.log.Error("jwt: the in-process key set is unusable", slog.String("error", err.Error()))
			}
			select {
			case <-w.ctx.Done():
				return
			case <-changed:
			}
		}
	}()
}
