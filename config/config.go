package config

import (
	"strings"
	"time"
)

// Config is the whole file.
type Config struct {
	// Server holds the listener settings.
	Server Server `yaml:"server"`
	// Upstreams are the APIs behind the gateway, by name; at least one is
	// required.
	Upstreams map[string]Upstream `yaml:"upstreams"`
	// Headers selects the security headers every response gets.
	Headers Headers `yaml:"headers"`
	// CORS is the cross-origin policy; without origins, no CORS headers.
	CORS CORS `yaml:"cors"`
	// Auth configures the authenticators routes may name.
	Auth Auth `yaml:"auth"`
	// RateLimits configures rate limits, brute-force lockouts and
	// concurrency caps.
	RateLimits RateLimits `yaml:"rate_limits"`
	// Limits are the structural limits on every JSON request body.
	Limits Limits `yaml:"limits"`
	// Routes are the only paths forwarded; at least one is required.
	Routes []Route `yaml:"routes"`
	// Log chooses where the server log, access log and security events go.
	Log Log `yaml:"log"`
	// Tokens turns on the token service (see [Tokens]).
	Tokens *Tokens `yaml:"tokens"`
	// Admin is the admin listener: health, readiness, metrics, pprof.
	// Off unless admin.listen is set.
	Admin Admin `yaml:"admin"`
	// Tracing configures trace context propagation and span export.
	Tracing Tracing `yaml:"tracing"`

	// File is the path the configuration was read from; Dir its folder,
	// against which relative paths in the file are resolved.
	File string `yaml:"-"`
	// Dir is File's folder.
	Dir string `yaml:"-"`
	// lines maps each field path of the file to its line, for [Config.Locate].
	lines map[string]int
}

// Server holds listener settings. The listener's own (listen, timeouts,
// TLS) are read once at start: a reload does not change them.
type Server struct {
	// Listen is the host:port to listen on (default 127.0.0.1:8080).
	Listen string `yaml:"listen"`
	// TrustedProxies are CIDR prefixes or addresses whose
	// X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// MaxBodyBytes is the largest request body; a larger one is refused
	// with 413 before the upstream sees a byte (default 1 MiB).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// MaxHeaderBytes bounds the request line and headers, 1024 to 1048576;
	// over it, 431 (default 16 KiB).
	MaxHeaderBytes int `yaml:"max_header_bytes"`
	// MaxBufferedBytes bounds the request bodies held in memory at once,
	// across all requests; past it a request needing a buffer gets 503.
	MaxBufferedBytes int64 `yaml:"max_buffered_bytes"`
	// MaxUploadsPerClient caps the bodies one client IP (IPv6 by /64)
	// may be sending at once; -1 removes the cap.
	MaxUploadsPerClient int `yaml:"max_uploads_per_client"`
	// Timeouts bound every phase of a request.
	Timeouts Timeouts `yaml:"timeouts"`
	// CaseInsensitiveRoutes matches literal path segments ignoring case.
	// With case-sensitive routes (the default) a path that would match a
	// different route when case is ignored is refused.
	CaseInsensitiveRoutes bool `yaml:"case_insensitive_routes"`
	// TrailingSlash is strict (default: /a/ and /a are different paths)
	// or ignore (/a/ is matched and forwarded as /a, as Express routes by
	// default).
	TrailingSlash string `yaml:"trailing_slash"`
	// TLS serves HTTPS; unset serves plain HTTP.
	TLS *TLS `yaml:"tls"`
	// HeapFloor is the heap, in bytes, that rampart serve and rampart
	// demo let grow before the garbage collector runs; above it the
	// collector runs as with GOGC=100 (the heap goal is the larger of the
	// floor and twice the live heap). Unset means 64 MiB; 0 turns it off.
	// A GOGC set in the environment turns it off too. A reload applies a
	// new value. At most 1 TiB; GOMEMLIMIT, when set, bounds the heap
	// whatever the floor.
	HeapFloor *int64 `yaml:"heap_floor" jsonschema:"minimum=0,maximum=1099511627776"`
}

// HeapFloorBytes returns server.heap_floor, or [DefaultHeapFloor] when it
// is unset.
func (s Server) HeapFloorBytes() int64 {
	if s.HeapFloor == nil {
		return DefaultHeapFloor
	}
	return *s.HeapFloor
}

// Trailing-slash policies for [Server.TrailingSlash].
const (
	TrailingSlashStrict = "strict"
	TrailingSlashIgnore = "ignore"
)

// TLS enables HTTPS on the listener.
type TLS struct {
	// CertFile is the PEM certificate chain, relative to the config file.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the PEM private key of CertFile, relative to the config
	// file.
	KeyFile string `yaml:"key_file"`
}

// Timeouts bound every phase of a request.
type Timeouts struct {
	// ReadHeader bounds reading the request headers (default 5s).
	ReadHeader time.Duration `yaml:"read_header"`
	// Read bounds reading the whole request (default 30s).
	Read time.Duration `yaml:"read"`
	// Write bounds writing the response (default 30s).
	Write time.Duration `yaml:"write"`
	// Idle is how long a keep-alive connection waits for the next request
	// (default 120s).
	Idle time.Duration `yaml:"idle"`
	// Upstream bounds the wait for an upstream's response headers; then
	// 504 (default 30s).
	Upstream time.Duration `yaml:"upstream"`
	// Shutdown is how long a stop waits for requests in flight (default
	// 30s).
	Shutdown time.Duration `yaml:"shutdown"`
	// DrainDelay is how long a stopping gateway keeps serving before it
	// stops accepting connections, so that load balancers notice the
	// stop first. Zero (the default) stops accepting at once.
	DrainDelay time.Duration `yaml:"drain_delay"`
}

// Upstream is one API behind the gateway.
type Upstream struct {
	// URL is the upstream's base URL, http or https; its path prefixes the
	// forwarded paths. Required.
	URL string `yaml:"url"`
	// Timeout replaces server.timeouts.upstream for this upstream; 0 keeps
	// it.
	Timeout time.Duration `yaml:"timeout"`
	// DangerouslyKeepErrorBodies forwards upstream 5xx bodies unchanged.
	DangerouslyKeepErrorBodies bool `yaml:"dangerously_keep_error_bodies"`
	// KeepUpstreamCORS keeps the upstream's own Access-Control-* headers.
	KeepUpstreamCORS bool `yaml:"keep_upstream_cors"`
	// KeepClientErrorPages forwards upstream 4xx bodies that are not JSON
	// (framework HTML and text error pages) unchanged.
	KeepClientErrorPages bool `yaml:"keep_client_error_pages"`
	// ForwardCredentials sends the client's credential (the token header,
	// cookie or API key header) upstream as it came; default true. Set it
	// to false when the upstream relies only on the identity headers.
	ForwardCredentials *bool `yaml:"forward_credentials"`
	// MaxInFlight caps requests in flight to this upstream; 0 means
	// rate_limits.concurrency.per_upstream.
	MaxInFlight int `yaml:"max_in_flight"`
	// OpenAPI is the upstream's OpenAPI 3.0 or 3.1 document, relative to
	// the config file's folder. Requests and responses are checked
	// against it per Validation.
	OpenAPI string `yaml:"openapi"`
	// Validation says what is checked against the OpenAPI document.
	Validation Validation `yaml:"validation"`
	// Document is the OpenAPI document as read and checked at load time,
	// so that the gateway runs exactly what was checked.
	Document []byte `yaml:"-"`
}

// Headers selects the security header profile.
type Headers struct {
	// Profile is helmet (default), api or none.
	Profile string `yaml:"profile"`
	// Set overrides single headers; a null value removes one.
	Set map[string]*string `yaml:"set"`
}

// CORS is the cross-origin policy; no origins means no CORS headers.
type CORS struct {
	// AllowedOrigins are exact origins (https://app.example.com) or
	// subdomain wildcards below a registrable domain
	// (https://*.example.com). Empty (default): no CORS headers.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// AllowedMethods are the methods preflights allow (default GET, HEAD,
	// POST).
	AllowedMethods []string `yaml:"allowed_methods"`
	// AllowedHeaders are the request headers preflights allow (default
	// none).
	AllowedHeaders []string `yaml:"allowed_headers"`
	// ExposedHeaders are the response headers scripts may read (default
	// none).
	ExposedHeaders []string `yaml:"exposed_headers"`
	// AllowCredentials lets browsers send cookies and credentials; refused
	// with the origin *.
	AllowCredentials bool `yaml:"allow_credentials"`
	// MaxAge is how long browsers may cache a preflight, at most 24h
	// (default: the browser's).
	MaxAge time.Duration `yaml:"max_age"`
}

// Route maps a path pattern and methods to an upstream and a policy.
type Route struct {
	// Path is the pattern: /api/items/{id}; {name} is one segment and a
	// trailing /* matches a subtree. Required.
	Path string `yaml:"path"`
	// Deny answers 404 for the path and everything under it, beating any
	// wildcard route above it; nothing is forwarded. A denied route has no
	// upstream, methods or policy.
	Deny bool `yaml:"deny"`
	// Methods are the allowed methods (default [GET]); GET brings HEAD and
	// ["*"] allows any.
	Methods []string `yaml:"methods"`
	// Upstream names the upstreams entry requests go to. Required unless
	// Deny.
	Upstream string `yaml:"upstream"`
	// Auth lists the authenticators tried in order, or is exactly
	// [none]. Written as a single word or a list. Empty means every
	// configured authenticator.
	Auth StringList `yaml:"auth"`
	// Roles: the principal needs any one of them.
	Roles []string `yaml:"roles"`
	// Scopes: the principal needs all of them.
	Scopes []string `yaml:"scopes"`
	// Owner requires a path parameter to equal a claim (BOLA).
	Owner *Owner `yaml:"owner"`
	// Tenant requires the request's tenant to equal the principal's.
	Tenant *Tenant `yaml:"tenant"`
	// RateLimit replaces rate_limits.default for this route; an empty
	// list (rate_limit: []) opts out of it.
	RateLimit []RateLimit `yaml:"rate_limit"`
	// BruteForce marks a login route and locks out repeated failures.
	BruteForce *BruteForce `yaml:"brute_force"`
	// WAF inspects the route's requests with the OWASP Core Rule Set.
	WAF *WAF `yaml:"waf"`
	// MethodOverride is refuse (default) or allow. With allow, a POST
	// carrying X-HTTP-Method-Override (or X-HTTP-Method,
	// X-Method-Override) or ?_method= is authorized, validated and
	// forwarded as the method it names when that method and path match
	// this route.
	MethodOverride string `yaml:"method_override"`
}

// Pattern is the pattern the route table matches: Path, or, for a denied
// route, Path with its subtree ("/metrics" denies "/metrics/*").
func (r Route) Pattern() string {
	if r.Deny && !strings.HasSuffix(r.Path, "/*") {
		return strings.TrimSuffix(r.Path, "/") + "/*"
	}
	return r.Path
}

// MatchMethods returns the methods the route table matches: any for a denied
// route.
func (r Route) MatchMethods() []string {
	if r.Deny {
		return []string{"*"}
	}
	return r.Methods
}

// ForwardsCredentials reports whether the client's credential goes upstream.
func (u Upstream) ForwardsCredentials() bool {
	return u.ForwardCredentials == nil || *u.ForwardCredentials
}

// AllowsMethodOverride reports whether the route honours method
// overrides.
func (r Route) AllowsMethodOverride() bool { return r.MethodOverride == "allow" }

// Log chooses where the two log streams go.
type Log struct {
	// Level of the server log: debug, info (default), warn, error.
	Level string `yaml:"level"`
	// Server is the operational log (startup, upstream failures).
	Server string `yaml:"server"`
	// Access is the access log, one JSON line per request.
	Access string `yaml:"access"`
	// Events is the security event stream.
	Events string `yaml:"events"`
}

// Defaults applied to fields left empty.
const (
	DefaultListen         = "127.0.0.1:8080"
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxHeaderBytes = 16 << 10
	// DefaultMaxBufferedBytes is server.max_buffered_bytes when unset.
	DefaultMaxBufferedBytes = 64 << 20
	// DefaultMaxUploadsPerClient is server.max_uploads_per_client when
	// unset.
	DefaultMaxUploadsPerClient = 16
	// DefaultHeapFloor is server.heap_floor when unset.
	DefaultHeapFloor = 64 << 20
	// MaxHeapFloor (1 TiB) is the largest server.heap_floor accepted. A
	// floor is heap the gateway may hold before collecting at all; a
	// larger one is a typo (a size in bits, or a unit too many), not a
	// plan.
	MaxHeapFloor = 1 << 40
)

// DefaultTimeouts are used for timeouts left at zero.
var DefaultTimeouts = Timeouts{
	ReadHeader: 5 * time.Second,
	Read:       30 * time.Second,
	Write:      30 * time.Second,
	Idle:       120 * time.Second,
	Upstream:   30 * time.Second,
	Shutdown:   30 * time.Second,
}

// applyDefaults fills the fields left empty, once, right after loading:
// the gateway compiles the values it finds.
func (c *Config) applyDefaults() {
	s := &c.Server
	if s.Listen == "" {
		s.Listen = DefaultListen
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if s.MaxHeaderBytes == 0 {
		s.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if s.MaxBufferedBytes == 0 {
		s.MaxBufferedBytes = max(DefaultMaxBufferedBytes, s.MaxBodyBytes)
	}
	if s.MaxUploadsPerClient == 0 {
		s.MaxUploadsPerClient = DefaultMaxUploadsPerClient
	}
	t, d := &s.Timeouts, DefaultTimeouts
	for _, p := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&t.ReadHeader, d.ReadHeader}, {&t.Read, d.Read}, {&t.Write, d.Write},
		{&t.Idle, d.Idle}, {&t.Upstream, d.Upstream}, {&t.Shutdown, d.Shutdown},
	} {
		if *p.v == 0 {
			*p.v = p.def
		}
	}
	if s.TrailingSlash == "" {
		s.TrailingSlash = TrailingSlashStrict
	}
	if c.Headers.Profile == "" {
		c.Headers.Profile = "helmet"
	}
	if c.Log.Server == "" {
		c.Log.Server = "stderr"
	}
	if c.Log.Access == "" {
		c.Log.Access = "stderr"
	}
	if c.Log.Events == "" {
		c.Log.Events = "stderr"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if r := c.RateLimits.Redis; r != nil {
		if r.Prefix == "" {
			r.Prefix = DefaultRedisPrefix
		}
		if r.Timeout == 0 {
			r.Timeout = DefaultRedisTimeout
		}
	}
	c.tokensDefaults()
}
