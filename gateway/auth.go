package gateway

import (
	"fmt"
	"io"
	"net/http/httputil"
	"path/filepath"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth"
	"github.com/rampart-api/rampart/auth/apikey"
	"github.com/rampart-api/rampart/auth/introspect"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/authz"
	"github.com/rampart-api/rampart/config"
)

// authenticators are built once per gateway and shared by its routes.
type authenticators struct {
	byName    map[string]rampart.Authenticator
	forwarder *authz.Forwarder
}

func (g *Gateway) buildAuth(cfg *config.Config) (*authenticators, []error) {
	a := &authenticators{byName: map[string]rampart.Authenticator{}}
	var errs []error
	ac := cfg.Auth
	if j := ac.JWT; j != nil {
		jc := jwt.Config{
			Cookie:        j.Cookie,
			MaxTokenBytes: j.MaxTokenBytes,
			Cache:         jwt.CacheConfig{MaxEntries: j.Cache.MaxEntries, Disabled: j.Cache.Disabled},
			Logger:        g.log,
		}
		for _, is := range j.Issuers {
			ic := jwt.IssuerConfig{
				Issuer:                       is.Issuer,
				Audience:                     is.Audience,
				DangerouslyAcceptAnyAudience: is.DangerouslyAcceptAnyAudience,
				DangerouslyAcceptHighS:       is.DangerouslyAcceptHighS,
				Algorithms:                   is.Algorithms,
				Leeway:                       is.Leeway,
				Type:                         is.Type,
				PublicKeyFile:                is.PublicKeyFile,
				JWKSFile:                     is.JWKSFile,
				JWKSURL:                      is.JWKSURL,
				Discovery:                    is.Discovery,
				RefreshInterval:              is.RefreshInterval,
				RefetchInterval:              is.RefetchInterval,
				FetchTimeout:                 is.FetchTimeout,
				SubjectClaim:                 is.SubjectClaim,
				RolesClaim:                   is.RolesClaim,
				ScopesClaim:                  is.ScopesClaim,
				TenantClaim:                  is.TenantClaim,
			}
			if is.Secret.IsSet() {
				ic.Secret = []byte(is.Secret.Value())
			}
			jc.Issuers = append(jc.Issuers, ic)
		}
		v, err := jwt.New(jc)
		if err != nil {
			errs = append(errs, fmt.Errorf("auth.jwt: %w", err))
		} else {
			a.byName[config.AuthJWT] = v
			g.closers = append(g.closers, closerFunc(v.Close))
		}
	}
	if k := ac.APIKey; k != nil {
		kc := apikey.Config{Header: k.Header, Scheme: k.Scheme, KeysFile: k.KeysFile}
		for _, e := range k.Keys {
			kc.Keys = append(kc.Keys, apikey.Entry{Hash: e.Hash, Subject: e.Subject, Roles: e.Roles, Scopes: e.Scopes, Tenant: e.Tenant, Name: e.Name})
		}
		if kc.KeysFile != "" && cfg.Dir != "" {
			kc.KeysFile = absPath(cfg.Dir, kc.KeysFile)
		}
		v, err := apikey.New(kc)
		if err != nil {
			errs = append(errs, fmt.Errorf("auth.apikey: %w", err))
		} else {
			a.byName[config.AuthAPIKey] = v
		}
	}
	if in := ac.Introspection; in != nil {
		v, err := introspect.New(introspect.Config{
			Endpoint:          in.Endpoint,
			ClientID:          in.ClientID,
			ClientSecret:      in.ClientSecret.Value(),
			AuthMethod:        in.AuthMethod,
			Issuer:            in.Issuer,
			Audience:          in.Audience,
			SubjectClaim:      in.SubjectClaim,
			RolesClaim:        in.RolesClaim,
			ScopesClaim:       in.ScopesClaim,
			TenantClaim:       in.TenantClaim,
			Timeout:           in.Timeout,
			CacheSize:         in.CacheSize,
			CacheTTL:          in.CacheTTL,
			NegativeCacheTTL:  in.NegativeCacheTTL,
			InsecureAllowHTTP: in.InsecureAllowHTTP,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("auth.introspection: %w", err))
		} else {
			a.byName[config.AuthIntrospection] = v
		}
	}
	ih := ac.IdentityHeaders
	fwd, err := authz.NewForwarder(authz.ForwardConfig{Subject: ih.Subject, Roles: ih.Roles, Scopes: ih.Scopes, Tenant: ih.Tenant})
	if err != nil {
		errs = append(errs, fmt.Errorf("auth.identity_headers: %w", err))
	}
	a.forwarder = fwd
	return a, errs
}

// rewrite is the proxy hook that replaces client copies of the identity
// headers with the verified identity.
func (a *authenticators) rewrite(pr *httputil.ProxyRequest) {
	a.forwarder.Rewrite(pr.Out.Header, rampart.PrincipalFrom(pr.In.Context()))
}

// routeAuth returns the authentication and authorization middlewares of
// one route, in that order; none for a public route.
func (g *Gateway) routeAuth(cfg *config.Config, rc config.Route, a *authenticators) ([]rampart.Middleware, error) {
	names := cfg.EffectiveAuth(rc)
	if len(names) == 0 || len(names) == 1 && names[0] == config.AuthNone {
		return nil, nil
	}
	var list []rampart.Authenticator
	for _, n := range names {
		v, ok := a.byName[n]
		if !ok {
			return nil, fmt.Errorf("authenticator %q is not configured", n)
		}
		list = append(list, v)
	}
	authn, err := auth.New(auth.Config{Authenticators: list, Realm: cfg.Auth.Realm, Events: g.opts.Events})
	if err != nil {
		return nil, err
	}
	mws := []rampart.Middleware{authn.Handler}
	zc := authz.Config{Roles: rc.Roles, Scopes: rc.Scopes, Realm: cfg.Auth.Realm, Events: g.opts.Events}
	if o := rc.Owner; o != nil {
		zc.Owner = &authz.Owner{Param: o.Param, Claim: o.Claim, ExceptRoles: o.ExceptRoles}
	}
	if t := rc.Tenant; t != nil {
		zc.Tenant = &authz.Tenant{Param: t.Param, Header: t.Header, Claim: t.Claim}
	}
	if zc.Roles != nil || zc.Scopes != nil || zc.Owner != nil || zc.Tenant != nil {
		z, err := authz.New(zc)
		if err != nil {
			return nil, err
		}
		mws = append(mws, z.Handler)
	}
	return mws, nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

var _ io.Closer = closerFunc(nil)

func absPath(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
