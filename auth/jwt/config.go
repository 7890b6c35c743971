package jwt

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rampart-api/rampart/auth/claims"
	"golang.org/x/time/rate"
)

// Defaults applied by [New] to zero fields.
const (
	DefaultMaxTokenBytes     = 8 << 10
	DefaultCacheEntries      = 10000
	DefaultRefreshInterval   = time.Hour
	DefaultRefetchInterval   = time.Minute
	DefaultFetchTimeout      = 5 * time.Second
	DefaultRolesClaim        = "roles"
	MaxLeeway                = 5 * time.Minute
	minRefetchInterval       = time.Second
	defaultScopesClaim       = "scope"
	defaultScopesClaimLegacy = "scp"
)

// Schemes for [Config.Scheme].
const (
	SchemeBearer = "Bearer"
	SchemeNone   = "none"
)

// Config configures an [Authenticator].
type Config struct {
	// Issuers are the trusted token issuers; a token is checked against the
	// one named by its "iss" and refused when none matches. Required.
	Issuers []IssuerConfig
	// Header is the request header carrying the token; default
	// Authorization.
	Header string
	// Scheme is the authentication scheme before the token in Header:
	// "Bearer" (the default, compared case-insensitively) or "none", for
	// APIs whose clients send the bare token as the whole header value.
	// With "none" the header belongs to this authenticator alone: any value
	// in it is taken for a token. The 401 challenge follows the scheme: a
	// Bearer challenge only for Bearer.
	Scheme string
	// Cookie, when set, names a cookie that carries the token when Header
	// holds none. Tokens are never read from the query string.
	Cookie string
	// MaxTokenBytes refuses longer tokens before any decoding. Default 8 KiB.
	MaxTokenBytes int
	// Cache configures the verified-token cache.
	Cache CacheConfig
	// HTTPClient fetches JWKS and discovery documents. Default: a client
	// with FetchTimeout as its timeout. Responses over 1 MiB are refused
	// either way.
	HTTPClient *http.Client
	// Logger receives key-fetch failures (never tokens). Default
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Revocation, when set, refuses tokens whose jti it reports revoked
	// ([ErrRevoked]), cached or not.
	Revocation Revocation
}

// CacheConfig configures the verified-token cache.
type CacheConfig struct {
	// MaxEntries bounds the cache; default 10000.
	MaxEntries int
	// Disabled turns the cache off: every request pays a signature check.
	Disabled bool
}

// IssuerConfig is one trusted issuer. Exactly one key source must be set:
// Secret, PublicKeyPEM, PublicKeyFile, JWKSFile, JWKSURL, Discovery or
// KeySource.
type IssuerConfig struct {
	// Issuer must equal the token's "iss" exactly. It may be empty when the
	// key source is Secret, PublicKeyPEM, PublicKeyFile or JWKSFile: the
	// key then identifies the issuer, as with apps that sign their own
	// tokens (jsonwebtoken's jwt.sign without an issuer), and "iss" is not
	// checked. At most one issuer may be empty; tokens whose "iss" names no
	// other issuer go to it. Required with JWKSURL and Discovery, where
	// keys come from the network.
	Issuer string
	// Audience lists accepted "aud" values; a token must name at least one.
	// Required unless DangerouslyAcceptAnyAudience is set.
	Audience []string
	// DangerouslyAcceptAnyAudience accepts tokens minted for any service of
	// this issuer. It MUST NOT be set when the issuer serves other APIs: a
	// token for one of them would then be accepted here.
	DangerouslyAcceptAnyAudience bool
	// Algorithms is the allowlist and the only source of truth: the token's
	// "alg" must be listed, and the key must be of that algorithm's type.
	// See [Algorithms]. Required; HS* only with Secret, never with public
	// keys.
	Algorithms []string
	// Leeway tolerates clock skew on exp, nbf and iat; at most 5m.
	Leeway time.Duration
	// MaxAge accepts tokens without "exp" whose "iat" is at most MaxAge
	// old (jsonwebtoken's maxAge), and caps tokens that have an "exp" the
	// same way. Zero requires "exp". A token with neither is always
	// refused.
	MaxAge time.Duration
	// DangerouslyAllowWeakRSA accepts RSA keys from 1024 bits instead of
	// 2048. Such keys are within reach of a well-funded attacker; it MUST
	// NOT be set except to verify the tokens of an API that cannot yet
	// change its key, and the key should be rotated.
	DangerouslyAllowWeakRSA bool
	// DangerouslyAcceptHighS accepts ECDSA signatures whose S is above
	// half the group order, as Go's crypto/ecdsa, Java and many JOSE
	// libraries emit about half the time. By default they are refused
	// ([ErrHighS]): every valid (R, S) has a twin (R, N-S) that verifies
	// too, so one token has two strings. With this set, the verified-token
	// cache is keyed by the low-S form, so the twins are one token. It
	// MUST NOT be set when anything outside Rampart keys tokens by their
	// string (a replay or revocation list, a log of seen tokens) unless it
	// normalises S the same way.
	DangerouslyAcceptHighS bool
	// Type, when set, is the required "typ" header, e.g. "at+jwt" (RFC
	// 9068); compared case-insensitively, the "application/" prefix
	// optional.
	Type string

	// Secret is an HMAC key, already resolved by the caller from its
	// reference; at least 32 bytes (48 for HS384, 64 for HS512).
	Secret []byte
	// PublicKeyPEM is a PEM public key or certificate.
	PublicKeyPEM []byte
	// PublicKeyFile is a path to a PEM public key or certificate.
	PublicKeyFile string
	// JWKSFile is a path to a JWK Set.
	JWKSFile string
	// JWKSURL is fetched at New, refreshed every RefreshInterval and, on a
	// token with an unknown kid, refetched at most once per
	// RefetchInterval. https only, except for loopback addresses.
	JWKSURL string
	// Discovery finds the JWKS URL from Issuer's OpenID Provider metadata.
	Discovery bool
	// KeySource supplies the keys from inside the process (the token
	// service's); the set is replaced whenever the source publishes a
	// new one.
	KeySource KeySource
	// RefreshInterval is the background refresh period; default 1h.
	RefreshInterval time.Duration
	// RefetchInterval is the least time between on-demand fetches caused
	// by unknown kids or missing keys; default 1m, at least 1s.
	RefetchInterval time.Duration
	// FetchTimeout bounds each JWKS or discovery fetch, including the
	// first one in New; default 5s.
	FetchTimeout time.Duration

	// SubjectClaim is the claim path of the subject; default "sub".
	SubjectClaim string
	// RolesClaim is the claim path of the roles; default "roles". See
	// package claims for the path syntax.
	RolesClaim string
	// ScopesClaim is the claim path of the scopes; default "scope", then
	// "scp".
	ScopesClaim string
	// TenantClaim is the claim path of the tenant; default none.
	TenantClaim string
}

// issuer is the compiled, immutable form of an IssuerConfig, apart from its
// key set which is swapped atomically.
type issuer struct {
	name      string
	maxAge    time.Duration // 0: exp required
	leeway    time.Duration
	algs      []string
	typ       string // lower case, without "application/"
	validator *jwt.Validator
	keys      atomic.Pointer[keySet]
	remote    *remote // nil for static keys

	subject, roles, tenant claims.Path
	scopes                 []claims.Path

	acceptHighS bool
}

func (i *issuer) hasKey(fp string) bool {
	s := i.keys.Load()
	if s == nil {
		return false
	}
	_, ok := s.byFP[fp]
	return ok
}

// New validates cfg, loads every static key and makes the first fetch of
// every remote key set, each bounded by its FetchTimeout. It reports every
// configuration problem at once, joined, each a [*ConfigError].
//
// An unreachable or misbehaving JWKS URL or discovery endpoint does not make
// New fail: the Authenticator starts without that issuer's keys, refuses its
// tokens with [ErrUnknownKey] (fail closed) and keeps trying in the
// background and, rate-limited, on demand. So a restart during an IdP outage
// does not take down routes that do not need that IdP. Call Close to stop
// the background refresh.
func New(cfg Config) (*Authenticator, error) {
	a, pending, err := build(cfg)
	if err != nil {
		return nil, err
	}
	for _, r := range pending {
		r.start()
	}
	return a, nil
}

// Check validates cfg exactly as [New] does, reading every key file and
// secret, but without contacting any JWKS URL or discovery endpoint. It
// returns the same errors New would, and describes the static keys of
// each issuer (type and size, never key material), in the order of
// cfg.Issuers.
func Check(cfg Config) ([][]string, error) {
	a, _, err := build(cfg)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	out := make([][]string, len(cfg.Issuers))
	for i, iss := range a.ordered {
		if s := iss.keys.Load(); s != nil {
			for _, k := range s.all {
				out[i] = append(out[i], k.describe())
			}
		}
	}
	return out, nil
}

// starter is background work New launches and Check does not.
type starter interface{ start() }

func build(cfg Config) (*Authenticator, []starter, error) {
	errs := cfg.validate()
	a := &Authenticator{cookie: cfg.Cookie, maxBytes: cfg.MaxTokenBytes, now: cfg.Now, byName: map[string]*issuer{}, rawToken: cfg.Scheme == SchemeNone, revocation: cfg.Revocation}
	if a.maxBytes == 0 {
		a.maxBytes = DefaultMaxTokenBytes
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.header = "Authorization"
	if cfg.Header != "" {
		a.header = http.CanonicalHeaderKey(cfg.Header)
	}
	if !cfg.Cache.Disabled {
		n := cfg.Cache.MaxEntries
		if n <= 0 {
			n = DefaultCacheEntries
		}
		a.cache = newCache(n)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var pending []starter
	ctx, cancel := context.WithCancel(context.Background())
	for idx, ic := range cfg.Issuers {
		p := fmt.Sprintf("issuers[%d]", idx)
		if errs.under(p) {
			// Its keys are loaded only once its settings are right, so
			// that one mistake is reported once.
			continue
		}
		iss, r, err := compileIssuer(ic, p, cfg, ctx, logger, a.now)
		if err != nil {
			errs = append(errs, err...)
			continue
		}
		if ic.Issuer == "" {
			a.anyIssuer = iss
		} else {
			a.byName[ic.Issuer] = iss
		}
		a.ordered = append(a.ordered, iss)
		a.highS = a.highS || iss.acceptHighS
		if r != nil {
			pending = append(pending, r)
		}
	}
	if len(errs) > 0 {
		cancel()
		return nil, nil, joinConfigErrors(errs)
	}
	a.cancel = cancel
	return a, pending, nil
}

// compileIssuer builds the issuer at path p of a configuration that
// passed [Config.Validate]: it loads the static keys, which may still be
// refused (too weak, unreadable, of no listed algorithm).
func compileIssuer(ic IssuerConfig, p string, cfg Config, ctx context.Context, logger *slog.Logger, now func() time.Time) (*issuer, starter, configErrors) {
	var errs configErrors
	iss := &issuer{name: ic.Issuer, maxAge: ic.MaxAge, leeway: ic.Leeway, acceptHighS: ic.DangerouslyAcceptHighS}
	pol := keyPolicy{weakRSA: ic.DangerouslyAllowWeakRSA}
	iss.algs = slices.Clone(ic.Algorithms)
	iss.typ = normType(ic.Type)

	path := func(s, def string) claims.Path {
		if s == "" {
			s = def
		}
		if s == "" {
			return claims.Path{}
		}
		// Validate refused the paths that do not parse.
		c, _ := claims.Parse(s)
		return c
	}
	iss.subject = path(ic.SubjectClaim, "sub")
	iss.roles = path(ic.RolesClaim, DefaultRolesClaim)
	iss.tenant = path(ic.TenantClaim, "")
	if ic.ScopesClaim != "" {
		iss.scopes = []claims.Path{path(ic.ScopesClaim, "")}
	} else {
		iss.scopes = []claims.Path{path(defaultScopesClaim, ""), path(defaultScopesClaimLegacy, "")}
	}

	opts := []jwt.ParserOption{
		jwt.WithIssuedAt(),
		jwt.WithLeeway(ic.Leeway),
		jwt.WithTimeFunc(now),
	}
	if ic.MaxAge == 0 {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if ic.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(ic.Issuer))
	}
	if len(ic.Audience) > 0 {
		opts = append(opts, jwt.WithAudience(ic.Audience...))
	}
	iss.validator = jwt.NewValidator(opts...)

	fetchTimeout := orDefault(ic.FetchTimeout, DefaultFetchTimeout)
	refresh := orDefault(ic.RefreshInterval, DefaultRefreshInterval)
	refetch := orDefault(ic.RefetchInterval, DefaultRefetchInterval)

	var r *remote
	var static *keySet
	var watcher *sourceWatcher
	var err error
	switch {
	case ic.KeySource != nil:
		watcher = &sourceWatcher{src: ic.KeySource, pol: pol, keys: &iss.keys, ctx: ctx, log: logger}
		if _, err := watcher.load(); err != nil {
			errs.add(p+".key_source", "%v", err)
		}
	case ic.Secret != nil:
		var k *key
		if k, err = newKey("", "", ic.Secret, pol); err == nil {
			static, err = newKeySet([]*key{k})
		}
		if err != nil {
			errs.add(p+".secret", "%v", err)
		}
	case ic.PublicKeyPEM != nil || ic.PublicKeyFile != "":
		b, field := ic.PublicKeyPEM, p+".public_key_pem"
		if ic.PublicKeyFile != "" {
			field = p + ".public_key_file"
			b, err = os.ReadFile(ic.PublicKeyFile)
		}
		var k *key
		if err == nil {
			k, err = parsePEM(b, pol)
		}
		if err == nil {
			static, err = newKeySet([]*key{k})
		}
		if err != nil {
			errs.add(field, "%v", err)
		}
	case ic.JWKSFile != "":
		var b []byte
		if b, err = os.ReadFile(ic.JWKSFile); err == nil {
			static, err = parseJWKS(b, pol)
		}
		if err != nil {
			errs.add(p+".jwks_file", "%v", err)
		}
	default:
		client := cfg.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: fetchTimeout}
		}
		limited := *client
		base := client.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		limited.Transport = limitedTransport{base: base}
		r = &remote{
			issuer:    ic.Issuer,
			discovery: ic.Discovery,
			jwksURL:   ic.JWKSURL,
			client:    &limited,
			timeout:   fetchTimeout,
			refresh:   refresh,
			log:       logger,
			ctx:       ctx,
			keys:      &iss.keys,
			limiter:   rate.NewLimiter(rate.Every(refetch), 1),
			weakRSA:   ic.DangerouslyAllowWeakRSA,
		}
		iss.remote = r
	}
	if static != nil {
		for j, alg := range ic.Algorithms {
			if len(static.candidates("", alg)) == 0 {
				errs.add(fmt.Sprintf("%s.algorithms[%d]", p, j), "no configured key can verify %s", alg)
			}
		}
		iss.keys.Store(static)
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	if watcher != nil {
		return iss, watcher, nil
	}
	if r == nil {
		return iss, nil, nil
	}
	return iss, r, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func normType(t string) string {
	t = strings.ToLower(t)
	return strings.TrimPrefix(t, "application/")
}
