package gateway

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
		jc := j.Config()
		jc.Logger = g.log
		g.selfKeys(&jc)
		if g.opts.offline {
			if _, err := jwt.Check(jc); err != nil {
				errs = append(errs, &config.FieldError{Path: "auth.jwt", Err: err})
			} else {
				a.byName[config.AuthJWT] = auth.Func(func(*http.Request) (*rampart.Principal, error) {
					return nil, rampart.ErrNoCredentials
				})
			}
		} else if v, err := shared(g, "auth.jwt", jwtSettings(jc), func() (*jwt.Authenticator, func() error, error) {
			v, err := jwt.New(jc)
			if err != nil {
				return nil, nil, err
			}
			return v, v.Close, nil
		}); err != nil {
			errs = append(errs, &config.FieldError{Path: "auth.jwt", Err: err})
		} else {
			a.byName[config.AuthJWT] = v
			g.deps.jwt = v
		}
	}
	if k := ac.APIKey; k != nil {
		v, err := apikey.New(k.Config())
		if err != nil {
			errs = append(errs, &config.FieldError{Path: "auth.apikey", Err: err})
		} else {
			a.byName[config.AuthAPIKey] = v
		}
	}
	if in := ac.Introspection; in != nil {
		v, err := introspect.New(in.Config())
		if err != nil {
			errs = append(errs, &config.FieldError{Path: "auth.introspection", Err: err})
		} else {
			a.byName[config.AuthIntrospection] = v
		}
	}
	ih := ac.IdentityHeaders
	fwd, err := authz.NewForwarder(authz.ForwardConfig{Subject: ih.Subject, Roles: ih.Roles, Scopes: ih.Scopes, Tenant: ih.Tenant})
	if err != nil {
		errs = append(errs, &config.FieldError{Path: "auth.identity_headers", Err: err})
	}
	a.forwarder = fwd
	return a, errs
}

// jwtSettings is the canonical form of jc for [Shared]: every field but
// the logger, and the contents of the key files it names, so that a
// reload with a rotated key file builds a new verifier while an
// unchanged one keeps its verified-token cache and fetched key sets.
func jwtSettings(jc jwt.Config) string {
	jc.Logger = nil
	var b strings.Builder
	fmt.Fprintf(&b, "%#v", jc)
	for _, is := range jc.Issuers {
		for _, f := range []string{is.PublicKeyFile, is.JWKSFile} {
			if f == "" {
				continue
			}
			data, err := os.ReadFile(f)
			sum := sha256.Sum256(data)
			fmt.Fprintf(&b, "\n%s %x %v", f, sum, err)
		}
	}
	return b.String()
}

// stripHeader is the proxy's StripHeader: client copies of the identity
// headers go in the proxy's one pass over the outbound headers.
func (a *authenticators) stripHeader(name string) bool {
	return a.forwarder != nil && a.forwarder.IsIdentityHeader(name) // nil: the configuration failed to build
}

// rewrite is the proxy hook that sets the identity headers from the
// verified identity; stripHeader has removed the client's copies.
func (a *authenticators) rewrite(pr *httputil.ProxyRequest) {
	a.forwarder.SetInfo(pr.Out.Header, rampart.InfoFrom(pr.In.Context()))
}

// routeAuth returns the authentication and authorization middlewares of
// one route; both are nil for a public route, and authorization is nil
// for a route with no role, scope, owner or tenant rule.
func (g *Gateway) routeAuth(cfg *config.Config, rc config.Route, a *authenticators) (authn, authzn rampart.Middleware, err error) {
	names := cfg.EffectiveAuth(rc)
	if len(names) == 0 || len(names) == 1 && names[0] == config.AuthNone {
		return nil, nil, nil
	}
	var list []rampart.Authenticator
	for _, n := range names {
		v, ok := a.byName[n]
		if !ok {
			return nil, nil, fmt.Errorf("authenticator %q is not configured", n)
		}
		list = append(list, v)
	}
	an, err := auth.New(auth.Config{Authenticators: list, Realm: cfg.Auth.Realm, Events: g.opts.Events})
	if err != nil {
		return nil, nil, err
	}
	zc := authz.Config{Roles: rc.Roles, Scopes: rc.Scopes, Realm: cfg.Auth.Realm, Events: g.opts.Events}
	if o := rc.Owner; o != nil {
		zc.Owner = &authz.Owner{Param: o.Param, Claim: string(o.Claim), ExceptRoles: o.ExceptRoles}
	}
	if t := rc.Tenant; t != nil {
		zc.Tenant = &authz.Tenant{Param: t.Param, Header: t.Header, Claim: string(t.Claim)}
	}
	if zc.Roles == nil && zc.Scopes == nil && zc.Owner == nil && zc.Tenant == nil {
		return an.Handler, nil, nil
	}
	z, err := authz.New(zc)
	if err != nil {
		return nil, nil, err
	}
	return an.Handler, z.Handler, nil
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

// carriers are the places client credentials travel, removed from
// outbound requests to upstreams with forward_credentials: false.
type carriers struct {
	headers []string        // canonical names
	cookies map[string]bool // cookie names
}

// credentialCarriers lists the headers and cookies the configured
// authenticators read credentials from.
func credentialCarriers(cfg *config.Config) *carriers {
	c := &carriers{cookies: map[string]bool{}}
	add := func(h string) {
		h = http.CanonicalHeaderKey(h)
		if !slices.Contains(c.headers, h) {
			c.headers = append(c.headers, h)
		}
	}
	if j := cfg.Auth.JWT; j != nil {
		add(cmp.Or(j.Header, "Authorization"))
		if j.Cookie != "" {
			c.cookies[j.Cookie] = true
		}
	}
	if k := cfg.Auth.APIKey; k != nil {
		add(cmp.Or(k.Header, apikey.DefaultHeader))
	}
	if cfg.Auth.Introspection != nil {
		add("Authorization")
	}
	return c
}

// rewrite removes the credential headers and cookies from the outbound
// request; other cookies are kept in their order.
func (c *carriers) rewrite(pr *httputil.ProxyRequest) {
	h := pr.Out.Header
	for _, name := range c.headers {
		delete(h, name)
	}
	if len(c.cookies) == 0 {
		return
	}
	lines := h["Cookie"]
	if len(lines) == 0 {
		return
	}
	var kept []string
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			if strings.TrimSpace(part) != "" && !c.cookies[strings.TrimSpace(name)] {
				kept = append(kept, strings.TrimSpace(part))
			}
		}
	}
	if len(kept) == 0 {
		delete(h, "Cookie")
		return
	}
	h["Cookie"] = []string{strings.Join(kept, "; ")}
}
