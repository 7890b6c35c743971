package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/cors"
	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/requestid"
	"github.com/rampart-api/rampart/secureheaders"
)

// ErrBadConfig wraps every configuration problem.
var ErrBadConfig = errors.New("proxy: invalid config")

// ConfigError reports one unacceptable [Config] field, named by its Go
// name ("Target", "Timeout"). Callers map it to their own names with
// errors.As, never by reading the message. It never quotes the target,
// which may hold credentials.
type ConfigError struct {
	Field  string
	Reason string
	// Err is the underlying parse error, if any.
	Err error
}

func (e *ConfigError) Error() string { return "proxy: " + e.Field + ": " + e.Reason }

// Unwrap returns [ErrBadConfig] and Err, if any.
func (e *ConfigError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrBadConfig}
	}
	return []error{ErrBadConfig, e.Err}
}

// ExcerptBytes bounds how much of a scrubbed upstream error body is logged.
const ExcerptBytes = 512

// Config describes one upstream.
type Config struct {
	// Name names the upstream in security events (the "upstream"
	// attribute of upstream.unavailable), so that metrics can count
	// failures per upstream; empty leaves the attribute out.
	Name string
	// Target is the upstream's base URL (http or https). Its path, if
	// any, prefixes every forwarded path.
	Target string
	// Timeout bounds the wait for the upstream's response headers; 0
	// means 30s. A timeout is answered with 504.
	Timeout time.Duration
	// Transport replaces the default transport (tests, mTLS).
	Transport http.RoundTripper
	// Proxies decides whose X-Forwarded-* headers are believed; nil
	// trusts nobody.
	Proxies *clientip.Resolver
	// Headers is the security header policy whose upstream copies are
	// removed; nil removes only the headers naming the server.
	Headers *secureheaders.Headers
	// KeepUpstreamCORS keeps the upstream's Access-Control-* headers.
	// By default they are removed so that the gateway's CORS policy is
	// the only one.
	KeepUpstreamCORS bool
	// DangerouslyKeepErrorBodies forwards upstream 5xx bodies as they
	// are. They often hold stack traces and internal addresses.
	DangerouslyKeepErrorBodies bool
	// KeepClientErrorPages forwards upstream 4xx bodies that are not JSON
	// as they are. By default such bodies (framework HTML and text error
	// pages, which name the framework and its version and echo the
	// request, tokens included) are replaced by a problem of the same
	// status; JSON 4xx bodies always pass, as they carry the validation
	// messages clients need.
	KeepClientErrorPages bool
	// Rewrite hooks run last on every outbound request, e.g. to set
	// identity headers from the verified principal.
	Rewrite []func(*httputil.ProxyRequest)
	// StripHeader, when set, names more client headers to delete from
	// every outbound request, in the same pass over its headers that
	// deletes the forwarding headers (see [IsForwardingHeader]): a
	// header list is walked once, not once per kind of header removed.
	// It is given every header name as the request carries it. The
	// headers the proxy sets itself (the forwarding headers, X-Request-Id)
	// are set after that pass, so it does not remove them; the gateway
	// refuses identity headers named like them
	// (authz.ErrReservedHeader).
	StripHeader func(name string) bool
	// Log receives upstream failures; nil discards.
	Log *slog.Logger
	// Events receives security events; nil discards.
	Events *audit.Logger
	// ErrorHandler writes refusals; nil means problem.Write.
	ErrorHandler problem.ErrorHandler
}

// Proxy forwards to one upstream. It is safe for concurrent use.
type Proxy struct {
	rp           *httputil.ReverseProxy
	target       *url.URL
	cfg          Config
	errorHandler problem.ErrorHandler
}

var _ http.Handler = (*Proxy)(nil)

// New validates cfg and builds the proxy.
func New(cfg Config) (*Proxy, error) {
	target, err := ParseTarget(cfg.Target)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, &ConfigError{Field: "Timeout", Reason: "must not be negative"}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	p := &Proxy{target: target, cfg: cfg, errorHandler: cfg.ErrorHandler}
	if p.errorHandler == nil {
		p.errorHandler = problem.Write
	}
	transport := cfg.Transport
	if transport == nil {
		transport = NewTransport(cfg.Timeout)
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      finalOnly{transport},
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.handleError,
		ErrorLog:       slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
		BufferPool:     bufferPool{},
	}
	return p, nil
}

// ParseTarget checks an upstream URL. Its errors are [*ConfigError] values
// for the field "Target" and never quote the URL, which may hold
// credentials.
func ParseTarget(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Error quotes the input, which may hold a password.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, &ConfigError{Field: "Target", Reason: err.Error(), Err: err}
	}
	switch {
	case u.User != nil:
		return nil, &ConfigError{Field: "Target", Reason: "credentials in the URL would be forwarded in logs; use headers"}
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, &ConfigError{Field: "Target", Reason: "scheme must be http or https"}
	case u.Host == "":
		return nil, &ConfigError{Field: "Target", Reason: "no host"}
	case u.RawQuery != "" || u.Fragment != "":
		return nil, &ConfigError{Field: "Target", Reason: "no query or fragment allowed"}
	}
	return u, nil
}

// NewTransport returns the transport used for upstreams: pooled keep-alive
// connections, bounded dial and header waits, no proxy from the
// environment (an upstream is never reached through a proxy variable a
// process happened to inherit).
func NewTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// finalOnly keeps informational (1xx) upstream responses from the
// client. httputil.ReverseProxy forwards them when the transport reports
// them through ClientTrace.Got1xxResponse, writing the upstream's headers
// unfiltered and then clearing every header the gateway had already set
// (request id, CORS, security headers). Removing that hook makes the
// transport skip 1xx responses, and counts their headers against the
// response header limit.
type finalOnly struct{ http.RoundTripper }

func (t finalOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	// The trace in the context is the one ReverseProxy.ServeHTTP made for
	// this request alone (it composes any trace of the caller's into it),
	// so it is changed in place rather than copied into a new context.
	if trace := httptrace.ContextClientTrace(r.Context()); trace != nil {
		trace.Got1xxResponse = nil
	}
	return t.RoundTripper.RoundTrip(r)
}

// ServeHTTP forwards r.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.rp.ServeHTTP(w, r)
}

func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.target)
	in, out := pr.In, pr.Out
	info := rampart.InfoFrom(in.Context())
	peer := clientip.PeerWithInfo(in, info)
	trusted := peer.IsValid() && p.cfg.Proxies.Trusted(peer)

	proto, host := "http", in.Host
	if in.TLS != nil {
		proto = "https"
	}
	var prior []string
	if trusted {
		prior = in.Header.Values("X-Forwarded-For")
		if v := in.Header.Get("X-Forwarded-Proto"); v == "http" || v == "https" {
			proto = v
		}
		if v := in.Header.Get("X-Forwarded-Host"); v != "" && validHost(v) {
			host = v
		}
	}
	// X-Real-IP and Forwarded carry the one client address the gateway
	// resolved, for upstreams that read those rather than walking
	// X-Forwarded-For.
	client := p.cfg.Proxies.FromWithInfo(in, info, peer)

	// The peer's and the client's text and the Forwarded element are
	// written into one buffer and become one string, held by the
	// request's Info like the header values: every request pays for this.
	var buf [256]byte
	b := peer.AppendTo(buf[:0])
	peerEnd, clientStart, clientEnd := len(b), 0, len(b)
	if client != peer {
		clientStart = len(b)
		b = client.AppendTo(b)
		clientEnd = len(b)
	}
	fwdStart := len(b)
	b = appendForwarded(b, client, b[clientStart:clientEnd], host, proto)
	text := info.Text(b)
	xff, clientText, forwarded := text[:peerEnd], text[clientStart:clientEnd], text[fwdStart:]
	if len(prior) > 0 {
		xff = strings.Join(prior, ", ") + ", " + xff
	}

	stripForwarding(out.Header, p.cfg.StripHeader)
	vals := headerValues{info: info}
	if xff != "" {
		vals.set(out.Header, "X-Forwarded-For", xff)
	}
	vals.set(out.Header, "X-Forwarded-Proto", proto)
	if host != "" {
		vals.set(out.Header, "X-Forwarded-Host", host)
	}
	if client.IsValid() {
		vals.set(out.Header, "X-Real-Ip", clientText)
	}
	vals.set(out.Header, "Forwarded", forwarded)
	// ReverseProxy sends an empty User-Agent rather than Go's when the
	// client sent none; set here, the value slice comes from the Info.
	if _, ok := out.Header["User-Agent"]; !ok {
		vals.set(out.Header, "User-Agent", "")
	}
	// ReverseProxy has removed the headers the client's Connection header
	// named, which may include the request id the gateway set.
	if info != nil && info.RequestID != "" {
		if v := out.Header[requestid.Header]; len(v) != 1 || v[0] != info.RequestID {
			vals.set(out.Header, requestid.Header, info.RequestID)
		}
	}
	// Upgrades (WebSocket, h2c) would hand the connection to the
	// upstream beyond every later check; h2c upgrades are a known way to
	// smuggle requests past proxies. The request's keys are canonical.
	delete(out.Header, "Upgrade")
	delete(out.Header, "Connection")
	for _, fn := range p.cfg.Rewrite {
		fn(pr)
	}
}

// headerValues hands out one-element value slices for the headers the
// proxy sets, from the request's [rampart.Info] when there is one (see
// [rampart.Info.HeaderValue]), otherwise from one backing array, so that
// setting several headers costs at most one allocation.
type headerValues struct {
	info  *rampart.Info
	spare []string
}

func (v *headerValues) set(h http.Header, key, value string) {
	if v.info != nil {
		h[key] = v.info.HeaderValue(value)
		return
	}
	if v.spare == nil {
		v.spare = make([]string, 0, 7)
	}
	if len(v.spare) == cap(v.spare) {
		h[key] = []string{value}
		return
	}
	v.spare = append(v.spare, value)
	n := len(v.spare)
	h[key] = v.spare[n-1 : n : n]
}

func validHost(h string) bool {
	if len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c >= 0x7f || c == '/' || c == '\\' || c == '@' || c == ',' {
			return false
		}
	}
	return true
}

func (p *Proxy) modifyResponse(res *http.Response) error {
	if upstream := res.StatusCode; upstream >= 500 {
		if upstream > 599 {
			// Not a status a client can interpret; the upstream is
			// misbehaving.
			res.StatusCode, res.Status = http.StatusBadGateway, ""
		}
		if !p.cfg.DangerouslyKeepErrorBodies {
			p.scrub(res, upstream)
		}
	} else if upstream >= 400 && !p.cfg.KeepClientErrorPages && res.ContentLength != 0 && !isJSON(res.Header.Get("Content-Type")) {
		p.replaceErrorPage(res, upstream)
	}
	if p.cfg.Headers != nil {
		p.cfg.Headers.Scrub(res.Header)
	} else {
		delete(res.Header, "Server")
		delete(res.Header, "X-Powered-By")
	}
	if !p.cfg.KeepUpstreamCORS {
		cors.Strip(res.Header)
	}
	return nil
}

// scrub replaces an upstream error body with a generic problem document.
// upstream is the status the upstream sent.
func (p *Proxy) scrub(res *http.Response, upstream int) {
	excerpt := make([]byte, ExcerptBytes)
	n, _ := io.ReadFull(res.Body, excerpt)
	_ = res.Body.Close()
	r := res.Request
	id := ""
	if info := rampart.InfoFrom(r.Context()); info != nil {
		id = info.RequestID
	}
	p.cfg.Log.LogAttrs(r.Context(), slog.LevelWarn, "upstream error response scrubbed",
		slog.String("request_id", id),
		slog.Int("status", upstream),
		slog.String("upstream", p.target.Host),
		slog.String("excerpt", audit.Redact(strings.ToValidUTF8(string(excerpt[:n]), "?"))),
	)
	p.cfg.Events.Emit(r, audit.Event{Name: audit.UpstreamErrorScrubbed, Reason: "upstream " + strconv.Itoa(upstream) + " body replaced", OWASP: audit.OWASPMisconfig, Status: res.StatusCode})

	rec := &headerRecorder{h: http.Header{}}
	problem.Write(rec, r, problem.New(res.StatusCode, "upstream error"))
	retryAfter := res.Header.Get("Retry-After")
	for k := range res.Header {
		if !keepOnScrub[k] {
			delete(res.Header, k)
		}
	}
	for k, v := range rec.h {
		res.Header[k] = v
	}
	if retryAfter != "" && res.StatusCode == http.StatusServiceUnavailable {
		res.Header.Set("Retry-After", retryAfter)
	}
	res.Body = io.NopCloser(bytes.NewReader(rec.body.Bytes()))
	res.ContentLength = int64(rec.body.Len())
	res.TransferEncoding = nil
	res.Trailer = nil
}

// keepOnScrub are upstream headers that stay on a scrubbed response.
var keepOnScrub = map[string]bool{"Vary": true, "Date": true}

// keepOnClientError are upstream headers that stay on a replaced 4xx
// error page: the ones a client acts on.
var keepOnClientError = map[string]bool{"Vary": true, "Date": true, "Allow": true, "Retry-After": true, "Www-Authenticate": true}

// replaceErrorPage replaces an upstream 4xx body that is not JSON with a
// problem of the same status. Unlike a 5xx, the page is not logged: it is
// the client's own input echoed (tokens included) as often as it is the
// server's, and clients can cause any number of them.
func (p *Proxy) replaceErrorPage(res *http.Response, upstream int) {
	_ = res.Body.Close()
	r := res.Request
	p.cfg.Events.Emit(r, audit.Event{Name: audit.UpstreamErrorScrubbed, Reason: "upstream " + strconv.Itoa(upstream) + " error page replaced", OWASP: audit.OWASPMisconfig, Status: upstream})
	rec := &headerRecorder{h: http.Header{}}
	problem.Write(rec, r, problem.New(upstream, "upstream error page"))
	for k := range res.Header {
		if !keepOnClientError[k] {
			delete(res.Header, k)
		}
	}
	for k, v := range rec.h {
		res.Header[k] = v
	}
	res.Body = io.NopCloser(bytes.NewReader(rec.body.Bytes()))
	res.ContentLength = int64(rec.body.Len())
	res.TransferEncoding = nil
	res.Trailer = nil
}

// isJSON reports whether a Content-Type is JSON: application/json or a
// +json structured syntax suffix (application/problem+json), parameters
// ignored. It does not allocate.
func isJSON(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	const suffix = "+json"
	if strings.EqualFold(ct, "application/json") {
		return true
	}
	slash := strings.IndexByte(ct, '/')
	return slash > 0 && len(ct)-len(suffix) > slash+1 && strings.EqualFold(ct[len(ct)-len(suffix):], suffix)
}

// headerRecorder captures what problem.Write produces.
type headerRecorder struct {
	h    http.Header
	body bytes.Buffer
}

func (r *headerRecorder) Header() http.Header         { return r.h }
func (r *headerRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *headerRecorder) WriteHeader(int)             {}

func (p *Proxy) handleError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		status int
		event  string
		reason string
	)
	var tooBig *http.MaxBytesError
	var perr *problem.Error
	var nerr net.Error
	switch {
	case errors.As(err, &perr):
		p.errorHandler(w, r, perr)
		return
	case errors.As(err, &tooBig):
		p.errorHandler(w, r, problem.Wrap(http.StatusRequestEntityTooLarge, err))
		return
	case errors.Is(r.Context().Err(), context.Canceled):
		// The client went away; nobody reads this answer.
		status, event, reason = 499, "", "client closed request"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &nerr) && nerr.Timeout():
		status, event, reason = http.StatusGatewayTimeout, audit.UpstreamUnavailable, "upstream timeout"
	default:
		status, event, reason = http.StatusBadGateway, audit.UpstreamUnavailable, "upstream unreachable"
	}
	id := ""
	if info := rampart.InfoFrom(r.Context()); info != nil {
		id = info.RequestID
	}
	p.cfg.Log.LogAttrs(r.Context(), slog.LevelWarn, reason,
		slog.String("request_id", id),
		slog.String("upstream", p.target.Host),
		slog.String("error", err.Error()),
	)
	if status == 499 {
		w.WriteHeader(499)
		return
	}
	e := audit.Event{Name: event, Reason: reason, Status: status}
	if p.cfg.Name != "" {
		e.Attrs = []slog.Attr{slog.String("upstream", p.cfg.Name)}
	}
	p.cfg.Events.Emit(r, e)
	p.errorHandler(w, r, problem.Wrap(status, err))
}
