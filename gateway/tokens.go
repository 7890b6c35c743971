package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/tokens"
	"github.com/rampart-api/rampart/tokens/pgstore"
	"github.com/rampart-api/rampart/tokens/sqlitestore"
)

// tokenState is the token service of a gateway with a tokens block.
type tokenState struct {
	svc       *tokens.Service // nil without a tokens block, and in Check
	login     func(http.Handler) http.Handler
	loginPath string
	// limits are rate_limits.default's client-IP policies, applied to
	// the token service's endpoints as to a route.
	limits []rampart.Middleware
	// cookies: tokens.cookies is on.
	cookies bool
}

// storeOpenTimeout bounds opening the token store and loading its keys.
const storeOpenTimeout = 30 * time.Second

// offlineStore stands in for the store when [Check] compiles: it is never
// called.
type offlineStore struct{ tokens.Store }

// buildTokens opens the token store and starts the service, shared with
// every configuration compiled with the same tokens block, so that a
// reload keeps its keys, revocation set and background work.
func (g *Gateway) buildTokens(cfg *config.Config) []error {
	t := cfg.Tokens
	if t == nil {
		return nil
	}
	tc, err := t.ServiceConfig()
	if err != nil {
		return []error{err}
	}
	var errs []error
	if t.Login != nil {
		if err := t.Login.LoginConfig().Validate(); err != nil {
			errs = append(errs, fmt.Errorf("tokens.login: %w", err))
		}
	}
	if g.opts.offline {
		tc.Store = offlineStore{}
		if err := tc.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("tokens: %w", err))
		}
		return errs
	}
	if len(errs) > 0 {
		return errs
	}
	// The endpoints' own route, for rate_limits.default's IP policies
	// (subject policies do not apply: no one is authenticated yet).
	path := t.TokenPath
	if path == "" {
		path = tokens.DefaultTokenPath
	}
	if g.limits != nil {
		ip, _, err := g.limits.rateLimits(cfg, config.Route{Path: path}, g.opts)
		if err != nil {
			return []error{fmt.Errorf("tokens: %w", err)}
		}
		g.tok.limits = []rampart.Middleware{ip}
	}
	// Failed client authentications count in the gateway's brute-force
	// store: in Redis, gateways share the lockouts.
	if g.limits != nil && g.limits.bf != nil {
		tc.ClientGuard = g.limits.bf
	}
	settings := fmt.Sprintf("%#v|%s|%s|%s", tc, t.Store, t.SQLite.Path, t.Postgres.URL.Value())
	tc.Events, tc.Log = g.opts.Events, g.log
	svc, err := shared(g, "tokens", settings, func() (*tokens.Service, func() error, error) {
		ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
		defer cancel()
		st, err := openTokenStore(ctx, t)
		if err != nil {
			return nil, nil, err
		}
		tc.Store = st
		svc, err := tokens.New(ctx, tc)
		if err != nil {
			_ = st.Close()
			return nil, nil, err
		}
		return svc, func() error { return errors.Join(svc.Close(), st.Close()) }, nil
	})
	if err != nil {
		return []error{fmt.Errorf("tokens: %w", err)}
	}
	g.tok.svc, g.tok.cookies = svc, t.Cookies
	if t.Login != nil {
		login, err := svc.LoginExchange(t.Login.LoginConfig())
		if err != nil {
			return []error{fmt.Errorf("tokens.login: %w", err)}
		}
		g.tok.login, g.tok.loginPath = login, t.Login.Path
	}
	return nil
}

func openTokenStore(ctx context.Context, t *config.Tokens) (tokens.Store, error) {
	if t.Store == config.StorePostgres {
		return pgstore.Open(ctx, t.Postgres.URL.Value())
	}
	return sqlitestore.Open(ctx, t.SQLite.Path)
}

// TokenService returns the gateway's token service, nil without a tokens
// block. The admin listener revokes a subject's tokens through it.
func (g *Gateway) TokenService() *tokens.Service { return g.tok.svc }

// selfKeys gives the self issuer the token service's keys in place of the
// stand-in the configuration holds, and makes the verifier check
// revocations.
func (g *Gateway) selfKeys(jc *jwt.Config) {
	if g.tok.svc == nil {
		return
	}
	for i := range jc.Issuers {
		if _, ok := jc.Issuers[i].KeySource.(*config.StandInKeys); ok {
			jc.Issuers[i].KeySource = g.tok.svc
		}
	}
	jc.Revocation = g.tok.svc
}

// loginUpstream puts the login exchange in front of the login route's
// upstream and, with tokens.cookies, keeps the refresh cookie from every
// upstream: it is the gateway's alone, and an app logging cookies would
// otherwise hold a month-long credential.
func (g *Gateway) loginUpstream(rc config.Route, upstream http.Handler) http.Handler {
	if g.tok.svc == nil || rc.Deny {
		return upstream
	}
	if g.tok.login != nil && rc.Path == g.tok.loginPath {
		upstream = g.tok.login(upstream)
	}
	if !g.tok.cookies {
		return upstream
	}
	strip := &carriers{cookies: map[string]bool{tokens.RefreshCookie: true}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		strip.rewrite(&httputil.ProxyRequest{Out: r})
		upstream.ServeHTTP(w, r)
	})
}

// tokenEndpoints answers the token service's paths (token, revocation,
// logout, JWKS, discovery) before route matching; every other request
// goes on to next.
func (g *Gateway) tokenEndpoints(next http.Handler) http.Handler {
	svc := g.tok.svc
	if svc == nil {
		return next
	}
	endpoints := rampart.Chain(svc, g.tok.limits...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the paths as spelled: an escaped spelling goes on to route
		// matching, which normalises or refuses it.
		if r.URL.RawPath != "" || !svc.Handles(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if info := rampart.InfoFrom(r.Context()); info != nil {
			info.Route = r.URL.Path
		}
		if r.ContentLength > g.maxBody {
			g.reject(w, r, problem.New(http.StatusRequestEntityTooLarge, "Content-Length over max_body_bytes"))
			return
		}
		endpoints.ServeHTTP(w, r)
	})
}
