package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/cors"
	"github.com/rampart-api/rampart/internal/respwriter"
	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/proxy"
	"github.com/rampart-api/rampart/requestid"
	"github.com/rampart-api/rampart/route"
	"github.com/rampart-api/rampart/secureheaders"
)

// Options are the parts of a gateway that do not come from the file.
type Options struct {
	// Log is the server log; nil discards.
	Log *slog.Logger
	// Access is the access log; nil discards.
	Access *audit.AccessLog
	// Events is the security event stream; nil discards.
	Events *audit.Logger
	// Transport replaces the upstream transport (tests).
	Transport http.RoundTripper
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
	closers   []io.Closer
	limits    *limitState // rate-limit stores, monitor and concurrency caps shared by routes
	checks    checks      // validators, structural limits and WAFs shared by routes
	closeOnce sync.Once
	inflight  inflight // requests a [Server] runs on this gateway; see server.go
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
	g := &Gateway{
		opts:      opts,
		log:       opts.Log,
		maxBody:   cfg.Server.MaxBodyBytes,
		maxHeader: cfg.Server.MaxHeaderBytes,
	}
	var errs []error
	var err error
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
	authn, aerrs := g.buildAuth(cfg)
	errs = append(errs, aerrs...)
	proxies := map[string]*proxy.Proxy{}
	for name, u := range cfg.Upstreams {
		timeout := u.Timeout
		if timeout == 0 {
			timeout = cfg.Server.Timeouts.Upstream
		}
		p, err := proxy.New(proxy.Config{
			Target:                     u.URL,
			Timeout:                    timeout,
			Transport:                  opts.Transport,
			Proxies:                    g.ips,
			Headers:                    g.headers,
			KeepUpstreamCORS:           u.KeepUpstreamCORS,
			DangerouslyKeepErrorBodies: u.DangerouslyKeepErrorBodies,
			Log:                        opts.Log,
			Events:                     opts.Events,
			Rewrite:                    []func(*httputil.ProxyRequest){authn.rewrite},
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("upstream %s: %w", name, err))
			continue
		}
		proxies[name] = p
	}
	specs := make([]route.Spec, len(cfg.Routes))
	for i, rc := range cfg.Routes {
		specs[i] = route.Spec{Pattern: rc.Path, Methods: rc.Methods}
		p, ok := proxies[rc.Upstream]
		if !ok {
			errs = append(errs, fmt.Errorf("route %s: unknown upstream %q", rc.Path, rc.Upstream))
			continue
		}
		h, err := g.routeChain(cfg, rc, p, authn)
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
	g.front = c.Handler(http.HandlerFunc(g.dispatch))
	return g, nil
}

// routeChain builds the middleware chain of one route, in pipeline order,
// ending at the upstream proxy.
func (g *Gateway) routeChain(cfg *config.Config, rc config.Route, upstream http.Handler, a *authenticators) (http.Handler, error) {
	before, after, err := g.routeLimits(cfg, rc)
	if err != nil {
		return nil, err
	}
	authMWs, err := g.routeAuth(cfg, rc, a)
	if err != nil {
		return nil, err
	}
	checks, err := g.routeValidation(cfg, rc)
	if err != nil {
		return nil, err
	}
	mws := make([]rampart.Middleware, 0, len(before)+len(authMWs)+1+len(after)+len(checks))
	mws = append(mws, before...)       // IP limits: floods of bad tokens cost little
	mws = append(mws, authMWs...)      // authentication, then authorization
	mws = append(mws, g.bufferChunked) // only callers allowed in upload bodies
	mws = append(mws, after...)        // subject limits, brute force, concurrency
	mws = append(mws, checks...)       // OpenAPI validation, structural limits, WAF
	return rampart.Chain(upstream, mws...), nil
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
	rw := respwriter.Get(w)
	r, info := rampart.WithInfo(r)
	info.RequestID = requestid.FromRequest(r)
	r.Header[requestid.Header] = []string{info.RequestID}
	h := rw.Header()
	h[requestid.Header] = []string{info.RequestID}
	info.ClientIP = g.ips.ClientIP(r)
	g.headers.Apply(h)

	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				g.opts.Access.Log(r, 499, rw.Bytes(), time.Since(start))
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
		respwriter.Put(rw)
	}()

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
	return nil
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
	if !g.resolveOverride(w, r, decoded) {
		return
	}
	idx, params, err := g.table.Match(r.Method, decoded, info.Params[:0])
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

// bufferChunked reads a body of unknown length (chunked) up to
// max_body_bytes, so that the upstream never sees part of a body that is
// then refused. It runs after authentication and authorization: a caller
// who may not use the route cannot make the gateway read a body for it,
// and no concurrency slot is held while a slow client uploads.
func (g *Gateway) bufferChunked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody {
			if perr := g.readChunked(r); perr != nil {
				g.reject(w, r, perr)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (g *Gateway) readChunked(r *http.Request) *problem.Error {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer bodyBuffers.Put(buf)
	n, err := buf.ReadFrom(io.LimitReader(r.Body, g.maxBody+1))
	_ = r.Body.Close()
	switch {
	case err != nil:
		return problem.Wrap(http.StatusBadRequest, fmt.Errorf("reading request body: %w", err))
	case n > g.maxBody:
		return problem.New(http.StatusRequestEntityTooLarge, "chunked body over max_body_bytes")
	}
	body := bytes.Clone(buf.Bytes())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
	return nil
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
	case http.StatusRequestEntityTooLarge, http.StatusRequestHeaderFieldsTooLarge:
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
