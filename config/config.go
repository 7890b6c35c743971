package config

import (
	"strings"
	"time"
)

// Config is the whole file.
type Config struct {
	Server     Server              `yaml:"server"`
	Upstreams  map[string]Upstream `yaml:"upstreams"`
	Headers    Headers             `yaml:"headers"`
	CORS       CORS                `yaml:"cors"`
	Auth       Auth                `yaml:"auth"`
	RateLimits RateLimits          `yaml:"rate_limits"`
	Limits     Limits              `yaml:"limits"`
	Routes     []Route             `yaml:"routes"`
	Log        Log                 `yaml:"log"`
	// Tokens turns on the token service (see [Tokens]).
	Tokens *Tokens `yaml:"tokens"`

	// File is the path the configuration was read from; Dir its folder,
	// against which relative paths in the file are resolved.
	File string `yaml:"-"`
	Dir  string `yaml:"-"`
	// lines maps each field path of the file to its line, for [Config.Locate].
	lines map[string]int
}

// Server holds listener settings. They are read once at start: a reload
// does not change them.
type Server struct {
	Listen string `yaml:"listen"`
	// TrustedProxies are CIDR prefixes or addresses whose
	// X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	MaxBodyBytes   int64    `yaml:"max_body_bytes"`
	MaxHeaderBytes int      `yaml:"max_header_bytes"`
	// MaxBufferedBytes bounds the request bodies held in memory at once,
	// across all requests; past it a request needing a buffer gets 503.
	MaxBufferedBytes int64 `yaml:"max_buffered_bytes"`
	// MaxUploadsPerClient caps the bodies one client IP (IPv6 by /64)
	// may be sending at once; -1 removes the cap.
	MaxUploadsPerClient int      `yaml:"max_uploads_per_client"`
	Timeouts            Timeouts `yaml:"timeouts"`
	// CaseInsensitiveRoutes matches literal path segments ignoring case.
	// With case-sensitive routes (the default) a path that would match a
	// different route when case is ignored is refused.
	CaseInsensitiveRoutes bool `yaml:"case_insensitive_routes"`
	// TrailingSlash is strict (default: /a/ and /a are different paths)
	// or ignore (/a/ is matched and forwarded as /a, as Express routes by
	// default).
	TrailingSlash string `yaml:"trailing_slash"`
	TLS           *TLS   `yaml:"tls"`
}

// Trailing-slash policies for [Server.TrailingSlash].
const (
	TrailingSlashStrict = "strict"
	TrailingSlashIgnore = "ignore"
)

// TLS enables HTTPS on the listener.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Timeouts bound every phase of a request.
type Timeouts struct {
	ReadHeader time.Duration `yaml:"read_header"`
	Read       time.Duration `yaml:"read"`
	Write      time.Duration `yaml:"write"`
	Idle       time.Duration `yaml:"idle"`
	Upstream   time.Duration `yaml:"upstream"`
	Shutdown   time.Duration `yaml:"shutdown"`
	// DrainDelay is how long a stopping gateway keeps serving before it
	// stops accepting connections, so that load balancers notice the
	// stop first. Zero (the default) stops accepting at once.
	DrainDelay time.Duration `yaml:"drain_delay"`
}

// Upstream is one API behind the gateway.
type Upstream struct {
	URL     string        `yaml:"url"`
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
	AllowedOrigins   []string      `yaml:"allowed_origins"`
	AllowedMethods   []string      `yaml:"allowed_methods"`
	AllowedHeaders   []string      `yaml:"allowed_headers"`
	ExposedHeaders   []string      `yaml:"exposed_headers"`
	AllowCredentials bool          `yaml:"allow_credentials"`
	MaxAge           time.Duration `yaml:"max_age"`
}

// Route maps a path pattern and methods to an upstream and a policy.
type Route struct {
	Path string `yaml:"path"`
	// Deny answers 404 for the path and everything under it, beating any
	// wildcard route above it; nothing is forwarded. A denied route has no
	// upstream, methods or policy.
	Deny     bool     `yaml:"deny"`
	Methods  []string `yaml:"methods"`
	Upstream string   `yaml:"upstream"`
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

// resolvePaths makes the file paths the file names relative to its folder
// absolute, in one pass right after decoding and before validation, so
// that validation only reads the configuration. The OpenAPI documents keep
// their spelling, which problems quote; they are resolved where read.
func (c *Config) resolvePaths(r resolver) {
	c.resolveTokenPaths(r)
	if t := c.Server.TLS; t != nil {
		if t.CertFile != "" {
			t.CertFile = r.abs(t.CertFile)
		}
		if t.KeyFile != "" {
			t.KeyFile = r.abs(t.KeyFile)
		}
	}
	if c.Auth.JWT != nil {
		for i := range c.Auth.JWT.Issuers {
			is := &c.Auth.JWT.Issuers[i]
			if is.PublicKeyFile != "" {
				is.PublicKeyFile = r.abs(is.PublicKeyFile)
			}
			if is.JWKSFile != "" {
				is.JWKSFile = r.abs(is.JWKSFile)
			}
		}
	}
}

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
	c.tokensDefaults()
}
