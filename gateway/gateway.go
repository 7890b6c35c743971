package gateway

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/concurrency"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/cors"
	"github.com/rampart-api/rampart/internal/respwriter"
	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/proxy"
	"github.com/rampart-api/rampart/requestid"
	"github.com/rampart-api/rampart/route"
	"github.com/rampart-api/rampart/secureheaders"
	"github.com/rampart-api/rampart/tracing"
)

// Options are the parts of a gateway that do not come from the file.
type Options struct {
	// Log is the server log; nil discards.
	Log *slog.Logger
	// Access is the access log; nil discards.
	Access *audit.AccessLog
	// Events is the security event stream; nil discards.
	Events *audit.Logger
	// Transport replaces the upstream transport (tests). Nil gives each
	// upstream scheme, host and timeout one transport, shared through
	// Shared by every configuration that uses it.
	Transport http.RoundTripper
	// Shared carries state between configurations compiled with the same
	// settings (see [Shared]). Nil gives this gateway a registry of its
	// own: nothing is carried over. A [Server] sets it.
	Shared *Shared
	// Hub receives every security event and request outcome, whether or
	// not Events and Access write them (see [audit.Hub]); nil: none.
	Hub *audit.Hub
	// Tracer propagates W3C trace context to upstreams and exports spans
	// (see package tracing); nil propagates only.
	Tracer *tracing.Tracer

	// offline compiles without contacting identity providers ([Check]).
	offline bool
}

// Gateway is a compiled configuration. It is immutable and safe for
// concurrent use; a reload builds a new one.
type Gateway struct {
	opts      Options
	log       *slog.Logger
	ips       *clientip.Resolver
	headers   *secureheaders.Headers
	table     *route.Table
	routes    []*compiledRoute
	front     http.Handler // CORS around dispatch
	maxBody   int64
	maxHeader int
	// trimSlash matches /a/ as /a (server.trailing_slash: ignore);
	// otherwise /a/ is refused when /a would match a different route.
	trimSlash bool
	buffered  *budget              // bodies and responses held in memory; see body.go
	uploads   *concurrency.Limiter // bodies being received per client
	closers   []io.Closer
	limits    *limitState // rate-limit stores, monitor and concurrency caps shared by routes
	checks    checks      // validators, structural limits and WAFs shared by routes
	closeOnce sync.Once
	inflight  inflight     // requests a [Server] runs on this gateway; see server.go
	tok       tokenState   // the token service; see tokens.go
	deps      dependencies // what readiness checks; see ready.go
}

type compiledRoute struct {
	pattern        string
	handler        http.Handler
	methodOverride bool // method_override: allow
}

// New compiles cfg. cfg must have loaded without errors; New still checks
// what it compiles and returns every problem.
func New(cfg *config.Config, opts Options) (*Gateway, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Shared == nil {
		opts.Shared = NewShared()
	}
	opts.Events, opts.Access = opts.Events.Observed(opts.Hub), opts.Access.Observed(opts.Hub)
	g := &Gateway{
		opts:      opts,
		log:       opts.Log,
		maxBody:   cfg.Server.MaxBodyBytes,
		maxHeader: cfg.Server.MaxHeaderBytes,
		trimSlash: cfg.Server.TrailingSlash == config.TrailingSlashIgnore,
	}
	maxBuffered := cfg.Server.MaxBufferedBytes
	var errs []error
	// One count of buffered bytes per registry: a reload keeps charging
	// what the configuration it replaces still holds.
	held, err := shared(g, "buffered", "", func() (*atomic.Int64, func() error, error) { return new(atomic.Int64), nil, nil })
	if err != nil {
		errs = append(errs, err)
		held = new(atomic.Int64)
	}
	g.buffered = &budget{max: maxBuffered, held: held}
	perClient := cfg.Server.MaxUploadsPerClient
	if perClient == -1 {
		perClient = 0
	}
	if g.uploads, err = concurrency.New(concurrency.Config{PerClient: perClient, Events: opts.Events}); err != nil {
		errs = append(errs, fmt.Errorf("server.max_uploads_per_client: %w", err))
	}
	if g.ips, err = clientip.New(cfg.Server.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if g.headers, err = secureheaders.New(secureheaders.Config{Profile: cfg.Headers.Profile, Set: cfg.Headers.Set}); err != nil {
		errs = append(errs, err)
	}
	c, err := cors.New(cors.Config{
		AllowedOrigins:   cfg.CORS.AllowedOrigins,
		AllowedMethods:   cfg.CORS.AllowedMethods,
		AllowedHeaders:   cfg.CORS.AllowedHeaders,
		ExposedHeaders:   cfg.CORS.ExposedHeaders,
		AllowCredentials: cfg.CORS.AllowCredentials,
		MaxAge:           cfg.CORS.MaxAge,
	})
	if err != nil {
		errs = append(errs, err)
	}
	// Resources the routes share are built once, here, each error naming
	// its own field; a route whose shared step failed to build gets none.
	// The token service comes after the limits (its endpoints are rate
	// limited, its client lockouts kept in the brute-force store) and
	// before authentication (auth.jwt trusts its keys).
	var lerrs []error
	g.limits, lerrs = g.buildLimits(cfg)
	errs = append(errs, lerrs...)
	errs = append(errs, g.buildTokens(cfg)...)
	authn, aerrs := g.buildAuth(cfg)
	errs = append(errs, aerrs...)
	errs = append(errs, g.buildChecks(cfg)...)
	proxies := map[string]*proxy.Proxy{}
	strip := credentialCarriers(cfg)
	for name, u := range cfg.Upstreams {
		timeout := u.Timeout
		if timeout == 0 {
			timeout = cfg.Server.Timeouts.Upstream
		}
		transport, err := g.upstreamTransport(u.URL, timeout)
		if err != nil {
			errs = append(errs, fmt.Errorf("upstream %s: %w", name, err))
			continue
		}
		rewrites := []func(*httputil.ProxyRequest){authn.rewrite}
		if !u.ForwardsCredentials() {
			rewrites = append(rewrites, strip.rewrite)
		}
		p, err := proxy.New(proxy.Config{
			Name:                       name,
			Target:                     u.URL,
			Timeout:                    timeout,
			Transport:                  transport,
			Proxies:                    g.ips,
			Headers:                    g.headers,
			KeepUpstreamCORS:           u.KeepUpstreamCORS,
			DangerouslyKeepErrorBodies: u.DangerouslyKeepErrorBodies,
			KeepClientErrorPages:       u.KeepClientErrorPages,
			Log:                        opts.Log,
			Events:                     opts.Events,
			Rewrite:                    rewrites,
			StripHeader:                authn.stripHeader,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("upstream %s: %w", name, err))
			continue
		}
		proxies[name] = p
	}
	specs := make([]route.Spec, len(cfg.Routes))
	for i, rc := range cfg.Routes {
		specs[i] = route.Spec{Pattern: rc.Pattern(), Methods: rc.MatchMethods()}
		if rc.Deny {
			g.routes = append(g.routes, &compiledRoute{pattern: rc.Pattern(), handler: http.HandlerFunc(g.denied)})
			continue
		}
		p, ok := proxies[rc.Upstream]
		if !ok {
			errs = append(errs, fmt.Errorf("route %s: unknown upstream %q", rc.Path, rc.Upstream))
			continue
		}
		h, err := g.routeChain(cfg, i, g.loginUpstream(rc, p), authn)
		if err != nil {
			errs = append(errs, fmt.Errorf("route %s: %w", rc.Path, err))
			continue
		}
		g.routes = append(g.routes, &compiledRoute{pattern: rc.Path, handler: h, methodOverride: rc.AllowsMethodOverride()})
	}
	if g.table, err = route.NewTable(specs, route.Options{CaseInsensitive: cfg.Server.CaseInsensitiveRoutes}); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		_ = g.Close()
		return nil, errors.Join(errs...)
	}
	g.front = c.Handler(g.tokenEndpoints(http.HandlerFunc(g.dispatch)))
	return g, nil
}

// Check compiles cfg exactly as [New] does — key files and secrets, route
// tables, middleware chains, OpenAPI documents, WAF rules, limits — and
// returns the errors New would return, without binding a port, dialling a
// store or fetching a JWKS or discovery document. rampart check runs it,
// so that check and serve accept the same files. It does not take the
// configuration's remote key sets into account: whether an identity
// provider answers is a fact about the network, not the file.
func Check(cfg *config.Config) error {
	_, err := Lint(cfg)
	return err
}

// Lint is [Check] that also returns the warnings only the compiled
// features can give, such as the operations an OpenAPI document leaves
// without a response schema. Errors and warnings name their field as
// [*config.FieldError] values, which [config.Config.Locate] gives a line.
func Lint(cfg *config.Config) (warnings []error, err error) {
	g, err := New(cfg, Options{offline: true})
	if err != nil {
		return nil, err
	}
	return g.checks.warnings, g.Close()
}

// upstreamTransport returns the transport for an upstream: the one in
// Options, or the one shared by every configuration that reaches the
// same scheme and host with the same timeout, so that reloads reuse its
// idle connections instead of opening new ones, and a transport no
// configuration uses any more has its idle connections closed.
func (g *Gateway) upstreamTransport(target string, timeout time.Duration) (http.RoundTripper, error) {
	if g.opts.Transport != nil {
		return g.opts.Transport, nil
	}
	u, err := proxy.ParseTarget(target)
	if err != nil {
		return nil, err
	}
	return shared(g, "transport", u.Scheme+"://"+u.Host+"|"+timeout.String(), func() (*http.Transport, func() error, error) {
		t := proxy.NewTransport(timeout)
		return t, func() error { t.CloseIdleConnections(); return nil }, nil
	})
}

// routeChain builds the middleware chain of one route, ending at the
// upstream proxy. The steps are listed in the order a request meets them;
// a step a route does not use is nil, and skipped.
func (g *Gateway) routeChain(cfg *config.Config, i int, upstream http.Handler, a *authenticators) (http.Handler, error) {
	rc := cfg.Routes[i]
	ipLimit, subjectLimit, limitErr := g.limits.rateLimits(cfg, rc, g.opts)
	authn, authzn, authErr := g.routeAuth(cfg, rc, a)
	bruteForce, bfErr := g.limits.bruteForce(rc, g.opts)
	if err := errors.Join(limitErr, authErr, bfErr); err != nil {
		return nil, err
	}
	structural, schema, firewall := g.checks.route(cfg, rc)
	return rampart.Chain(upstream,
		ipLimit,                           // IP rate limits: floods of bad tokens cost little
		authn,                             // authentication
		authzn,                            // authorization: roles, scopes, owner, tenant
		g.bufferBody,                      // body buffering, only for callers allowed in
		subjectLimit,                      // subject and claim rate limits
		bruteForce,                        // brute-force check; its accounting runs on the way back
		g.limits.clientCap(),              // in-flight cap per client
		g.limits.upstreamCap(rc.Upstream), // in-flight cap per upstream
		structural,                        // structural JSON limits, unless the validator applies them
		schema,                            // OpenAPI request validation; response filtering on the way back
		firewall,                          // WAF
	), nil
}

// Close releases background resources (key refreshers, store clients).
// Only the first call does so and returns its error; later calls wait
// for it to finish and return nil.
func (g *Gateway) Close() error {
	var errs []error
	g.closeOnce.Do(func() {
		for _, c := range g.closers {
			errs = append(errs, c.Close())
		}
	})
	return errors.Join(errs...)
}

// ServeHTTP runs the pipeline.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// The writer that records status and bytes for the access log comes
	// first, so that recover's 500 is recorded; recover then wraps every
	// other step.
	rw := respwriter.Get(w)
	r, info := rampart.WithInfo(r)
	var span tracing.Span // ended with the access log line
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				g.opts.Access.Log(r, 499, rw.Bytes(), time.Since(start))
				span.End(r, info, 499)
				respwriter.Put(rw)
				panic(v)
			}
			g.log.Error("panic serving request", slog.String("request_id", info.RequestID), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			g.opts.Events.Emit(r, audit.Event{Name: audit.PanicRecovered, Reason: "handler panicked", Status: 500})
			if !rw.Written() {
				g.writeProblem(rw, r, problem.New(http.StatusInternalServerError, "panic"))
			}
		}
		g.opts.Access.Log(r, rw.Status(), rw.Bytes(), time.Since(start))
		span.End(r, info, rw.Status())
		respwriter.Put(rw)
	}()

	info.RequestID = requestid.FromRequest(r)
	r.Header[requestid.Header] = info.HeaderValue(info.RequestID)
	h := rw.Header()
	h[requestid.Header] = info.HeaderValue(info.RequestID)
	g.ips.Resolve(r, info)
	g.headers.Apply(h)
	r, span = g.opts.Tracer.Start(r, info)

	if err := g.precheck(r); err != nil {
		g.reject(rw, r, err)
		return
	}
	g.front.ServeHTTP(rw, r)
}

// precheck refuses requests no route may see: oversized header blocks
// and protocol upgrades.
func (g *Gateway) precheck(r *http.Request) *problem.Error {
	if headerSize(r) > g.maxHeader {
		return problem.New(http.StatusRequestHeaderFieldsTooLarge, "header block over max_header_bytes")
	}
	if _, ok := r.Header["Upgrade"]; ok {
		return problem.New(http.StatusBadRequest, "protocol upgrade refused")
	}
	if !connectionOptionsAllowed(r.Header["Connection"]) {
		return problem.New(http.StatusBadRequest, "Connection names an end-to-end header")
	}
	return nil
}

// connectionOptionsAllowed reports whether every Connection option is
// close, keep-alive or TE. Any other option names a header that the proxy
// must drop as hop-by-hop (RFC 9110 section 7.6.1): a client could so
// remove a header the gateway sets (X-Request-Id, X-Forwarded-For, the
// identity headers) or one its checks read (Content-Type, Authorization)
// after the checks passed. Refusing is simpler to reason about than
// deciding, header by header, which removals are harmless.
func connectionOptionsAllowed(values []string) bool {
	for _, v := range values {
		for opt := range strings.SplitSeq(v, ",") {
			switch strings.ToLower(strings.TrimSpace(opt)) {
			case "", "close", "keep-alive", "te":
			default:
				return false
			}
		}
	}
	return true
}

// headerSize approximates the size of the request line and header block as
// sent: net/http's own limit adds slack, so this is the exact check.
func headerSize(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len(r.Host) + 8
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

func (g *Gateway) dispatch(w http.ResponseWriter, r *http.Request) {
	info := rampart.InfoFrom(r.Context())
	decoded, canonical, err := route.Normalize(r.URL.EscapedPath())
	if err != nil {
		g.reject(w, r, problem.Wrap(http.StatusBadRequest, err))
		return
	}
	if g.trimSlash && len(decoded) > 1 && decoded[len(decoded)-1] == '/' {
		decoded, canonical = decoded[:len(decoded)-1], canonical[:len(canonical)-1]
	}
	if !g.resolveOverride(w, r, decoded) {
		return
	}
	idx, params, err := g.table.Match(r.Method, decoded, info.Params[:0])
	if err == nil && !g.trimSlash && len(decoded) > 1 && decoded[len(decoded)-1] == '/' {
		// Express and most frameworks serve /a/ as /a: when /a is
		// another route's, /a/ must not reach it under this one's policy
		// (a wildcard's, typically).
		if other, _, oerr := g.table.Match(r.Method, decoded[:len(decoded)-1], nil); oerr == nil && other != idx {
			g.reject(w, r, problem.New(http.StatusNotFound, "trailing slash would reach another route"))
			return
		}
	}
	if err != nil {
		var mna *route.MethodNotAllowedError
		switch {
		case errors.As(err, &mna):
			g.reject(w, r, problem.Wrap(http.StatusMethodNotAllowed, err).WithHeader("Allow", mna.Allow))
		case errors.Is(err, route.ErrAmbiguousCase):
			g.reject(w, r, problem.Wrap(http.StatusNotFound, err))
		default:
			g.writeProblem(w, r, problem.Wrap(http.StatusNotFound, err))
		}
		return
	}
	rt := g.routes[idx]
	info.Route, info.Params = rt.pattern, params
	r.URL.Path = decoded
	if canonical != decoded {
		r.URL.RawPath = canonical
	} else {
		r.URL.RawPath = ""
	}
	if r.ContentLength > g.maxBody {
		g.reject(w, r, problem.New(http.StatusRequestEntityTooLarge, "Content-Length over max_body_bytes"))
		return
	}
	rt.handler.ServeHTTP(w, r)
}

// reject writes a refusal and records it as a security event.
func (g *Gateway) reject(w http.ResponseWriter, r *http.Request, p *problem.Error) {
	g.rejectAs(w, r, p, owaspFor(p.Status))
}

// rejectAs is reject with the event's OWASP category named.
func (g *Gateway) rejectAs(w http.ResponseWriter, r *http.Request, p *problem.Error, owasp string) {
	g.opts.Events.Emit(r, audit.Event{Name: audit.RequestRejected, Reason: p.Reason, Status: p.Status, OWASP: owasp})
	g.writeProblem(w, r, p)
}

func (g *Gateway) writeProblem(w http.ResponseWriter, r *http.Request, p *problem.Error) {
	problem.Write(w, r, p)
}

func owaspFor(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge, http.StatusRequestHeaderFieldsTooLarge, http.StatusServiceUnavailable:
		return audit.OWASPResource
	case http.StatusBadRequest:
		return audit.OWASPMisconfig
	}
	return ""
}

// String describes the gateway for startup logs.
func (g *Gateway) String() string {
	var b strings.Builder
	for _, rt := range g.routes {
		b.WriteString(rt.pattern)
		b.WriteByte(' ')
	}
	return strings.TrimSpace(b.String())
}

// denied answers a deny route: the same 404 as a path no route matches,
// with a security event, since such paths are usually probed on purpose.
func (g *Gateway) denied(w http.ResponseWriter, r *http.Request) {
	g.opts.Events.Emit(r, audit.Event{Name: audit.RequestRejected, Reason: "denied route", Status: http.StatusNotFound, OWASP: audit.OWASPInventory})
	g.writeProblem(w, r, problem.Wrap(http.StatusNotFound, route.ErrNotFound))
}
