package introspect

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth"
	"github.com/rampart-api/rampart/auth/claims"
)

// Method is the [rampart.Principal] Method of principals this package
// verifies.
const Method = "introspection"

// Defaults applied by [New].
const (
	DefaultTimeout          = 3 * time.Second
	DefaultCacheSize        = 10_000
	DefaultCacheTTL         = time.Minute
	DefaultNegativeCacheTTL = 10 * time.Second
	DefaultMaxResponseBytes = 1 << 20
)

// Client authentication methods at the introspection endpoint (RFC 6749
// section 2.3.1).
const (
	ClientSecretBasic = "client_secret_basic"
	ClientSecretPost  = "client_secret_post"
)

// Reasons a token is refused, each wrapped with
// [rampart.ErrInvalidCredentials].
var (
	ErrInactive      = errors.New("introspect: token not active")
	ErrExpired       = errors.New("introspect: token expired")
	ErrNotYetValid   = errors.New("introspect: token not yet valid")
	ErrWrongIssuer   = errors.New("introspect: wrong issuer")
	ErrWrongAudience = errors.New("introspect: wrong audience")
	ErrNoSubject     = errors.New("introspect: no subject")
	ErrNotAccess     = errors.New("introspect: not an access token")
)

// ErrUnavailable wraps every technical failure: the endpoint timed out,
// is down, refused the gateway's credentials, or answered something that
// is not an RFC 7662 response. It is never an invalid-credentials error.
var ErrUnavailable = errors.New("introspect: endpoint unavailable")

// Configuration errors returned by [New], joined when several apply.
var (
	ErrBadEndpoint   = errors.New("introspect: endpoint must be an absolute https URL without credentials")
	ErrNoClient      = errors.New("introspect: client id and secret are required")
	ErrBadAuthMethod = errors.New("introspect: auth method must be client_secret_basic or client_secret_post")
	ErrBadLimit      = errors.New("introspect: durations and sizes must not be negative")
	ErrBadClaim      = errors.New("introspect: invalid claim path")
)

// Config configures [New].
type Config struct {
	// Endpoint is the introspection URL. It must be https unless
	// InsecureAllowHTTP is set.
	Endpoint string
	// ClientID and ClientSecret authenticate the gateway at the endpoint.
	// They are resolved values (the caller reads the secret from its
	// reference); the secret is never logged.
	ClientID     string
	ClientSecret string
	// AuthMethod is [ClientSecretBasic] (default) or [ClientSecretPost].
	AuthMethod string

	// Issuer, when set, must equal the response's "iss".
	Issuer string
	// Audience, when set, must share a value with the response's "aud".
	Audience []string

	// Claim paths (see package claims). Defaults: "sub", "roles",
	// "scope"; TenantClaim has no default (no tenant).
	SubjectClaim string
	RolesClaim   string
	ScopesClaim  string
	TenantClaim  string

	// Timeout bounds one introspection call. Default [DefaultTimeout].
	Timeout time.Duration
	// CacheSize bounds the cache in entries. Default [DefaultCacheSize];
	// negative disables the cache.
	CacheSize int
	// CacheTTL is the longest an active answer is reused, however late
	// the token's exp: the delay before a revocation takes effect.
	// Default [DefaultCacheTTL].
	CacheTTL time.Duration
	// NegativeCacheTTL is how long an inactive answer is reused, so a
	// client retrying a dead token does not hammer the endpoint. Default
	// [DefaultNegativeCacheTTL], at most CacheTTL.
	NegativeCacheTTL time.Duration
	// MaxResponseBytes bounds the endpoint's answer. Default
	// [DefaultMaxResponseBytes].
	MaxResponseBytes int64

	// HTTPClient makes the calls; default a client with the standard
	// transport. Redirects are never followed, so the credentials and
	// token go only to Endpoint.
	HTTPClient *http.Client
	// InsecureAllowHTTP permits a plain-http Endpoint, sending the token
	// and client secret in clear. It MUST NOT be set in production; a
	// loopback endpoint is the only reasonable use.
	InsecureAllowHTTP bool
	// Now is the clock; default time.Now.
	Now func() time.Time
}

type entry struct {
	principal *rampart.Principal // nil when refused
	err       error
	until     time.Time
}

// Authenticator verifies opaque tokens at an introspection endpoint. It is
// safe for concurrent use; only its cache changes after [New].
type Authenticator struct {
	endpoint     string
	clientID     string
	clientSecret string
	post         bool
	issuer       string
	audience     []string
	subject      claims.Path
	roles        claims.Path
	scopes       claims.Path
	tenant       claims.Path
	timeout      time.Duration
	ttl, negTTL  time.Duration
	maxBytes     int64
	client       *http.Client
	now          func() time.Time

	cache *lru.Cache[[sha256.Size]byte, *entry]
	calls singleflight.Group
}

// New validates cfg and returns an Authenticator, reporting every problem
// at once with errors.Join.
func New(cfg Config) (*Authenticator, error) {
	var errs []error
	a := &Authenticator{
		endpoint:     cfg.Endpoint,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		issuer:       cfg.Issuer,
		audience:     append([]string(nil), cfg.Audience...),
		timeout:      orDefault(cfg.Timeout, DefaultTimeout),
		ttl:          orDefault(cfg.CacheTTL, DefaultCacheTTL),
		negTTL:       orDefault(cfg.NegativeCacheTTL, DefaultNegativeCacheTTL),
		maxBytes:     orDefault(cfg.MaxResponseBytes, DefaultMaxResponseBytes),
		now:          cfg.Now,
	}
	if a.now == nil {
		a.now = time.Now
	}
	bad := func(field string, kind error, reason string) {
		errs = append(errs, &ConfigError{Field: field, Reason: reason, Err: kind})
	}
	u, err := url.Parse(cfg.Endpoint)
	switch {
	case cfg.Endpoint == "":
		bad("endpoint", ErrBadEndpoint, "required")
	case err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "":
		bad("endpoint", ErrBadEndpoint, fmt.Sprintf("%q is not an absolute URL without credentials and fragment", redactURL(cfg.Endpoint)))
	case u.Scheme == "http" && !cfg.InsecureAllowHTTP:
		bad("endpoint", ErrBadEndpoint, "must be https (insecure_allow_http sends tokens and the client secret in clear; only for a loopback test server)")
	case u.Scheme != "https" && u.Scheme != "http":
		bad("endpoint", ErrBadEndpoint, "must be https")
	}
	if cfg.ClientID == "" {
		bad("client_id", ErrNoClient, "required")
	}
	if cfg.ClientSecret == "" {
		bad("client_secret", ErrNoClient, "required")
	}
	switch cfg.AuthMethod {
	case "", ClientSecretBasic:
	case ClientSecretPost:
		a.post = true
	default:
		bad("auth_method", ErrBadAuthMethod, fmt.Sprintf("%q is not one of %s, %s", cfg.AuthMethod, ClientSecretBasic, ClientSecretPost))
	}
	for _, l := range []struct {
		field string
		neg   bool
	}{
		{"timeout", cfg.Timeout < 0}, {"cache_ttl", cfg.CacheTTL < 0},
		{"negative_cache_ttl", cfg.NegativeCacheTTL < 0}, {"max_response_bytes", cfg.MaxResponseBytes < 0},
	} {
		if l.neg {
			bad(l.field, ErrBadLimit, "must not be negative")
		}
	}
	a.negTTL = min(a.negTTL, a.ttl)
	path := func(field, s, def string) claims.Path {
		if s == "" {
			s = def
		}
		if s == "" {
			return claims.Path{}
		}
		p, err := claims.Parse(s)
		if err != nil {
			bad(field, ErrBadClaim, err.Error())
		}
		return p
	}
	a.subject = path("subject_claim", cfg.SubjectClaim, "sub")
	a.roles = path("roles_claim", cfg.RolesClaim, "roles")
	a.scopes = path("scopes_claim", cfg.ScopesClaim, "scope")
	a.tenant = path("tenant_claim", cfg.TenantClaim, "")

	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		a.cache, _ = lru.New[[sha256.Size]byte, *entry](size) // errors only for size <= 0
	}
	client := http.DefaultClient
	if cfg.HTTPClient != nil {
		client = cfg.HTTPClient
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	a.client = &c

	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

func orDefault[T time.Duration | int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// redactURL keeps credentials a misconfigured URL may carry out of errors.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparsable)"
}

// Authenticate verifies the request's bearer token at the introspection
// endpoint, or from the cache.
//
// It trusts only the endpoint's answer, over a connection to the
// configured URL. It fails closed: an inactive, expired, not-yet-valid,
// wrong-issuer or wrong-audience token, or one without a subject, is an
// error wrapping [rampart.ErrInvalidCredentials]; a failing endpoint is an
// error wrapping [ErrUnavailable]. The returned principal's slices and
// Claims are shared with the cache and must not be modified.
func (a *Authenticator) Authenticate(r *http.Request) (*rampart.Principal, error) {
	tok, err := auth.BearerToken(r)
	if err != nil {
		return nil, err
	}
	key := sha256.Sum256([]byte(tok))
	now := a.now()
	if a.cache != nil {
		if e, ok := a.cache.Get(key); ok {
			if now.Before(e.until) {
				return e.result()
			}
			a.cache.Remove(key)
		}
	}
	// The shared call outlives a client that gives up, so the others
	// waiting on it still get an answer; Timeout bounds it.
	ctx := context.WithoutCancel(r.Context())
	v, err, _ := a.calls.Do(string(key[:]), func() (any, error) {
		e, err := a.introspect(ctx, tok)
		if err != nil {
			return nil, err
		}
		if a.cache != nil {
			a.cache.Add(key, e)
		}
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*entry).result()
}

func (e *entry) result() (*rampart.Principal, error) {
	if e.err != nil {
		return nil, e.err
	}
	p := *e.principal
	return &p, nil
}

func (a *Authenticator) introspect(ctx context.Context, tok string) (*entry, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	if a.post {
		form.Set("client_id", a.clientID)
		form.Set("client_secret", a.clientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if !a.post {
		req.SetBasicAuth(url.QueryEscape(a.clientID), url.QueryEscape(a.clientSecret))
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, a.maxBytes))
		return nil, fmt.Errorf("%w: status %d", ErrUnavailable, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, a.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading response: %w", ErrUnavailable, err)
	}
	if int64(len(body)) > a.maxBytes {
		return nil, fmt.Errorf("%w: response larger than %d bytes", ErrUnavailable, a.maxBytes)
	}
	return a.decide(body)
}
