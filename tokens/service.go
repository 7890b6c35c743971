package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/bruteforce"
)

// Defaults for zero [Config] fields.
const (
	DefaultAccessTTL       = 15 * time.Minute
	DefaultRefreshTTL      = 30 * 24 * time.Hour
	DefaultRotateEvery     = 30 * 24 * time.Hour
	DefaultActivation      = time.Hour
	DefaultPollInterval    = 250 * time.Millisecond
	DefaultKeyPollInterval = 30 * time.Second
	DefaultPurgeInterval   = 10 * time.Minute
	DefaultTokenPath       = "/oauth/token"
	DefaultRevokePath      = "/oauth/revoke"
	JWKSPath               = "/.well-known/jwks.json"
	DiscoveryPath          = "/.well-known/openid-configuration"
	// AccessTokenType is the typ header of access tokens (RFC 9068).
	AccessTokenType = "at+jwt"
)

// Config configures a [Service].
type Config struct {
	// Issuer is the iss of every token, an https URL (http only on
	// loopback); the endpoints' URLs in the discovery document are
	// built on it. Required.
	Issuer string
	// Audience is the aud of every access token. Required.
	Audience string
	// Algorithm is ES256 (default) or EdDSA.
	Algorithm string
	// AccessTTL is the access-token lifetime; default 15m.
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a refresh-token family, counted from
	// the login: refreshing does not extend it. Default 30 days.
	RefreshTTL time.Duration
	// RotateEvery is how long one generated key signs; default 30 days.
	RotateEvery time.Duration
	// Activation is how long a generated key is published before it
	// signs; default 1h.
	Activation time.Duration
	// Store keeps keys, refresh tokens and revocations. Required.
	Store Store
	// KeyEncryptionKey seals generated private keys at rest; at least
	// [MinKeyEncryptionKeyBytes]. Required unless SigningKeys is set.
	KeyEncryptionKey []byte
	// SigningKeys are PEM private keys (ES256 or Ed25519) to use
	// instead of generated ones: the first signs, the others are only
	// published. Nothing is rotated automatically.
	SigningKeys [][]byte
	// Clients may use the client_credentials grant.
	Clients []Client
	// ClientGuard counts failed client authentications; nil means an
	// in-process store with [DefaultClientPolicy].
	ClientGuard bruteforce.Store
	// ClientPolicy bounds failed client authentications per client id
	// and per client IP.
	ClientPolicy bruteforce.Policy
	// TokenPath and RevokePath are the endpoints' paths; defaults
	// /oauth/token and /oauth/revoke. LogoutPath, when set, revokes the
	// caller's tokens and clears the cookies.
	TokenPath, RevokePath, LogoutPath string
	// Cookies also sets the tokens as HttpOnly; Secure; SameSite=Strict
	// cookies, and accepts the refresh token from its cookie.
	Cookies bool
	// MaxFormBytes bounds token endpoint bodies; default 8 KiB.
	MaxFormBytes int64
	// PollInterval is how often revocations are read from the store;
	// default 250ms. KeyPollInterval is how often keys are; default 30s.
	PollInterval, KeyPollInterval time.Duration
	// Events receives token.* and client.auth_failed events.
	Events *audit.Logger
	// Log receives background failures.
	Log *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Cookie names set with [Config.Cookies].
const (
	AccessCookie  = "rampart_access"
	RefreshCookie = "rampart_refresh"
)

// DefaultClientPolicy: five failures in 15 minutes lock a client id out
// for a minute, doubling up to an hour.
var DefaultClientPolicy = bruteforce.Policy{MaxFailures: 5, Window: 15 * time.Minute, Lockout: time.Minute, MaxLockout: time.Hour, Forget: 24 * time.Hour}

// Identity is who tokens are issued to.
type Identity struct {
	Subject  string
	Roles    []string
	Scopes   []string
	Tenant   string
	ClientID string
}

// Response is an RFC 6749 section 5.1 token response.
type Response struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// Service issues, refreshes and revokes tokens. It is safe for concurrent
// use; Close stops its background work.
type Service struct {
	issuer, audience string
	alg              string
	accessTTL        time.Duration
	refreshTTL       time.Duration
	rotateEvery      time.Duration
	activation       time.Duration
	leeway           time.Duration
	store            Store
	sealer           *Sealer
	fileKeys         [][]byte
	keys             atomic.Pointer[keyring]
	revoked          *RevocationSet
	clients          map[string]*Client
	guard            bruteforce.Store
	policy           bruteforce.Policy
	paths            paths
	cookies          bool
	maxForm          int64
	events           *audit.Logger
	log              *slog.Logger
	now              func() time.Time
	poll, keyPoll    time.Duration

	cursor   int64
	pollMu   sync.Mutex
	cancel   context.CancelFunc
	done     sync.WaitGroup
	closeErr sync.Once
}

type paths struct {
	token, revoke, logout string
}

// ErrConfig reports a bad [Config]; the message names the field.
var ErrConfig = errors.New("tokens: invalid configuration")

// Validate checks cfg without side effects, returning every problem.
func (cfg Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrConfig, field, fmt.Sprintf(format, args...)))
	}
	if cfg.Issuer == "" {
		bad("Issuer", "required")
	} else if u, err := url.Parse(cfg.Issuer); err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		bad("Issuer", "%q: want an https URL without query or fragment (http only on loopback)", cfg.Issuer)
	}
	if cfg.Audience == "" {
		bad("Audience", "required")
	}
	switch cfg.Algorithm {
	case "", ES256, EdDSA:
	default:
		bad("Algorithm", "%q: want ES256 or EdDSA", cfg.Algorithm)
	}
	for name, d := range map[string]time.Duration{"AccessTTL": cfg.AccessTTL, "RefreshTTL": cfg.RefreshTTL, "RotateEvery": cfg.RotateEvery, "Activation": cfg.Activation} {
		if d < 0 {
			bad(name, "negative")
		}
	}
	access, refresh := or(cfg.AccessTTL, DefaultAccessTTL), or(cfg.RefreshTTL, DefaultRefreshTTL)
	if access > 24*time.Hour {
		bad("AccessTTL", "%s: access tokens cannot be recalled from other verifiers; keep them short (at most 24h)", access)
	}
	if refresh < access {
		bad("RefreshTTL", "%s is shorter than AccessTTL (%s)", refresh, access)
	}
	if or(cfg.RotateEvery, DefaultRotateEvery) < time.Hour {
		bad("RotateEvery", "at least 1h")
	}
	if cfg.Store == nil {
		bad("Store", "required")
	}
	if len(cfg.SigningKeys) == 0 && len(cfg.KeyEncryptionKey) < MinKeyEncryptionKeyBytes {
		bad("KeyEncryptionKey", "at least %d random bytes are required to encrypt generated keys (or give SigningKeys)", MinKeyEncryptionKeyBytes)
	}
	seen := map[string]bool{}
	for i, c := range cfg.Clients {
		if err := c.Validate(); err != nil {
			bad(fmt.Sprintf("Clients[%d]", i), "%v", err)
		}
		if seen[c.ID] {
			bad(fmt.Sprintf("Clients[%d].ID", i), "%q listed twice", c.ID)
		}
		seen[c.ID] = true
	}
	for name, p := range map[string]string{"TokenPath": cfg.TokenPath, "RevokePath": cfg.RevokePath, "LogoutPath": cfg.LogoutPath} {
		if p != "" && (!strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#{}*")) {
			bad(name, "%q: want a literal absolute path", p)
		}
	}
	return errors.Join(errs...)
}

func or(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// New validates cfg, loads (or generates) the signing keys and the
// current revocations, and starts the background work: revocation
// polling (and listening, with a [Notifier] store), key reloads and
// rotation, and purging of expired rows.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Service{
		issuer:      strings.TrimSuffix(cfg.Issuer, "/"),
		audience:    cfg.Audience,
		alg:         cfg.Algorithm,
		accessTTL:   or(cfg.AccessTTL, DefaultAccessTTL),
		refreshTTL:  or(cfg.RefreshTTL, DefaultRefreshTTL),
		rotateEvery: or(cfg.RotateEvery, DefaultRotateEvery),
		activation:  or(cfg.Activation, DefaultActivation),
		leeway:      time.Minute,
		store:       cfg.Store,
		revoked:     NewRevocationSet(),
		clients:     map[string]*Client{},
		guard:       cfg.ClientGuard,
		policy:      cfg.ClientPolicy,
		paths:       paths{token: cfg.TokenPath, revoke: cfg.RevokePath, logout: cfg.LogoutPath},
		cookies:     cfg.Cookies,
		maxForm:     cfg.MaxFormBytes,
		events:      cfg.Events,
		log:         cfg.Log,
		now:         cfg.Now,
		poll:        or(cfg.PollInterval, DefaultPollInterval),
		keyPoll:     or(cfg.KeyPollInterval, DefaultKeyPollInterval),
	}
	if s.alg == "" {
		s.alg = ES256
	}
	if s.paths.token == "" {
		s.paths.token = DefaultTokenPath
	}
	if s.paths.revoke == "" {
		s.paths.revoke = DefaultRevokePath
	}
	if s.maxForm == 0 {
		s.maxForm = 8 << 10
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.guard == nil {
		s.guard = &bruteforce.MemoryStore{Now: s.now}
	}
	if s.policy.MaxFailures == 0 {
		s.policy = DefaultClientPolicy
	}
	for i := range cfg.Clients {
		c := cfg.Clients[i]
		s.clients[c.ID] = &c
	}
	var err error
	if len(cfg.SigningKeys) > 0 {
		err = s.useFileKeys(cfg.SigningKeys)
	} else if s.sealer, err = NewSealer(cfg.KeyEncryptionKey); err == nil {
		err = s.loadKeys(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("loading signing keys: %w", err)
	}
	if err := s.Sync(ctx); err != nil {
		return nil, err
	}
	bg, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.start(bg)
	return s, nil
}

// Close stops the background work. It does not close the store.
func (s *Service) Close() error {
	s.closeErr.Do(func() {
		s.cancel()
		s.done.Wait()
	})
	return nil
}

// Issuer returns the iss of the tokens the service signs.
func (s *Service) Issuer() string { return s.issuer }

// Audience returns the aud of its access tokens.
func (s *Service) Audience() string { return s.audience }

// Algorithm returns the signing algorithm.
func (s *Service) Algorithm() string { return s.alg }

// PublicJWKS returns the JWK Set of the published public keys and a
// channel closed when it changes: the key source of the gateway's own
// verifier (auth/jwt IssuerConfig.KeySource).
func (s *Service) PublicJWKS() ([]byte, <-chan struct{}) {
	k := s.keys.Load()
	return k.jwks, k.changed
}

// Revoked reports whether the access token jti is revoked: lock-free, no
// allocation. It is the gateway verifier's revocation check.
func (s *Service) Revoked(jti string) bool { return s.revoked.Revoked(jti) }

// revocationLookback is how many log entries before the cursor each
// sync reads again. PostgreSQL hands out sequence numbers before commit,
// so a revocation can become visible after one with a higher number; the
// lookback catches it. Entries already in the set are added again,
// harmlessly.
const revocationLookback = 256

// Sync reads the revocations logged since the last call into the
// in-memory set. The background loop calls it every PollInterval and on
// each notification.
func (s *Service) Sync(ctx context.Context) error {
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
	from := max(0, s.cursor-revocationLookback)
	for {
		now := s.now()
		rs, cursor, err := s.store.Revocations(ctx, from, now)
		if err != nil {
			return err
		}
		if len(rs) > 0 {
			s.revoked.Add(now, rs...)
		}
		if cursor <= s.cursor {
			return nil
		}
		// New entries: read on until a query finds none (the store
		// returns a bounded batch).
		s.cursor, from = cursor, cursor
	}
}

// ReloadKeys reads the keys from the store and rotates when due; the
// background loop calls it every KeyPollInterval.
func (s *Service) ReloadKeys(ctx context.Context) error { return s.loadKeys(ctx) }

func (s *Service) start(ctx context.Context) {
	wake := make(chan struct{}, 1)
	if n, ok := s.store.(Notifier); ok {
		s.done.Go(func() {
			for ctx.Err() == nil {
				if err := n.Wait(ctx); err != nil {
					if ctx.Err() != nil {
						return
					}
					s.log.Warn("listening for revocations; polling meanwhile", slog.Any("error", err))
					select {
					case <-ctx.Done():
						return
					case <-time.After(time.Second):
					}
					continue
				}
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		})
	}
	s.done.Go(func() {
		poll := time.NewTicker(s.poll)
		keys := time.NewTicker(s.keyPoll)
		purge := time.NewTicker(DefaultPurgeInterval)
		defer poll.Stop()
		defer keys.Stop()
		defer purge.Stop()
		for {
			var err error
			select {
			case <-ctx.Done():
				return
			case <-poll.C:
				err = s.Sync(ctx)
			case <-wake:
				err = s.Sync(ctx)
			case <-keys.C:
				err = s.loadKeys(ctx)
			case <-purge.C:
				err = s.store.Purge(ctx, s.now())
			}
			if err != nil && ctx.Err() == nil {
				s.log.Warn("token service background work failed", slog.Any("error", err))
			}
		}
	})
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is the SHA-256 of a refresh token: enough for 256-bit random
// values, which no dictionary can reach.
func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

// sign makes an access token for id in family.
func (s *Service) sign(id Identity, now time.Time) (string, AccessRecord, error) {
	k := s.keys.Load().signer
	jti := randomString(16)
	exp := now.Add(s.accessTTL)
	cl := jwt.MapClaims{
		"iss": s.issuer,
		"sub": id.Subject,
		"aud": s.audience,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": exp.Unix(),
		"jti": jti,
	}
	if id.ClientID != "" {
		cl["client_id"] = id.ClientID
	}
	if len(id.Roles) > 0 {
		cl["roles"] = id.Roles
	}
	if len(id.Scopes) > 0 {
		cl["scope"] = strings.Join(id.Scopes, " ")
	}
	if id.Tenant != "" {
		cl["tenant"] = id.Tenant
	}
	var m jwt.SigningMethod = jwt.SigningMethodES256
	if k.alg == EdDSA {
		m = jwt.SigningMethodEdDSA
	}
	t := jwt.NewWithClaims(m, cl)
	t.Header["kid"] = k.kid
	t.Header["typ"] = AccessTokenType
	str, err := t.SignedString(k.key)
	if err != nil {
		return "", AccessRecord{}, fmt.Errorf("signing an access token: %w", err)
	}
	return devtoken.LowS(str, k.key), AccessRecord{JTI: jti, Subject: id.Subject, ExpiresAt: exp.Truncate(time.Second)}, nil
}

// Issue signs an access token for id and, unless id is a client's, a
// refresh token starting a new family, and records both.
func (s *Service) Issue(ctx context.Context, id Identity) (*Response, error) {
	if id.Subject == "" {
		return nil, errors.New("tokens: an identity needs a subject")
	}
	now := s.now()
	tok, ar, err := s.sign(id, now)
	if err != nil {
		return nil, err
	}
	resp := &Response{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int64(s.accessTTL / time.Second), Scope: strings.Join(id.Scopes, " ")}
	g := Grant{Access: ar}
	if id.ClientID == "" {
		family := randomString(16)
		ar.Family = family
		g.Access = ar
		rt := randomString(32)
		g.Refresh = &RefreshRecord{Hash: hashToken(rt), Family: family, Subject: id.Subject, Roles: id.Roles, Scopes: id.Scopes, Tenant: id.Tenant, ExpiresAt: now.Add(s.refreshTTL)}
		resp.RefreshToken = rt
	}
	if err := s.store.Issue(ctx, g); err != nil {
		return nil, err
	}
	return resp, nil
}

// ErrScope: a refresh asked for a scope the family was not granted; the
// refresh token stays usable.
var ErrScope = errors.New("tokens: scope not granted")

// Refresh exchanges a refresh token for a new pair (RFC 9700 section
// 4.14.2 rotation). The presented token is retired; presenting a retired
// token again revokes its whole family and returns [ErrReused] with the
// family's subject. Unknown, expired and revoked tokens give
// [ErrNotFound], indistinguishably. A non-empty scope narrows the new
// access token's scopes (RFC 6749 section 6); naming one not granted
// gives [ErrScope] and changes nothing.
func (s *Service) Refresh(ctx context.Context, refreshToken string, scope ...string) (*Response, Identity, error) {
	now := s.now()
	var resp *Response
	old, err := s.store.Rotate(ctx, hashToken(refreshToken), now, func(old RefreshRecord) (Grant, error) {
		scopes := old.Scopes
		if len(scope) > 0 {
			if !subset(scope, old.Scopes) {
				return Grant{}, ErrScope
			}
			scopes = scope
		}
		id := Identity{Subject: old.Subject, Roles: old.Roles, Scopes: scopes, Tenant: old.Tenant}
		tok, ar, err := s.sign(id, now)
		if err != nil {
			return Grant{}, err
		}
		ar.Family = old.Family
		rt := randomString(32)
		resp = &Response{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int64(s.accessTTL / time.Second), RefreshToken: rt, Scope: strings.Join(scopes, " ")}
		return Grant{Access: ar, Refresh: &RefreshRecord{Hash: hashToken(rt), Family: old.Family, Subject: old.Subject, ClientID: old.ClientID,
			Roles: old.Roles, Scopes: old.Scopes, Tenant: old.Tenant, ExpiresAt: old.ExpiresAt}}, nil
	})
	id := Identity{Subject: old.Subject, Roles: old.Roles, Scopes: old.Scopes, Tenant: old.Tenant, ClientID: old.ClientID}
	if errors.Is(err, ErrReused) {
		_ = s.Sync(ctx)
	}
	if err != nil {
		return nil, id, err
	}
	return resp, id, nil
}

// RevokeRefresh revokes the family of a refresh token (its refresh and
// access tokens). It returns [ErrNotFound] for a token it does not know.
func (s *Service) RevokeRefresh(ctx context.Context, refreshToken string) (Identity, error) {
	r, err := s.store.RevokeRefresh(ctx, hashToken(refreshToken), s.now())
	if err != nil {
		return Identity{}, err
	}
	_ = s.Sync(ctx)
	return Identity{Subject: r.Subject, ClientID: r.ClientID}, nil
}

// RevokeAccess revokes an access token this service signed. A token it
// cannot verify (another issuer's, altered, expired) returns
// [ErrNotFound]: there is nothing to revoke.
func (s *Service) RevokeAccess(ctx context.Context, token string) (Identity, error) {
	cl, err := s.parse(token)
	if err != nil {
		return Identity{}, ErrNotFound
	}
	jti, _ := cl["jti"].(string)
	exp, err := cl.GetExpirationTime()
	if jti == "" || err != nil || exp == nil {
		return Identity{}, ErrNotFound
	}
	if err := s.store.RevokeAccess(ctx, jti, exp.Time); err != nil {
		return Identity{}, err
	}
	s.revoked.Add(s.now(), Revocation{JTI: jti, ExpiresAt: exp.Time})
	sub, _ := cl["sub"].(string)
	cid, _ := cl["client_id"].(string)
	return Identity{Subject: sub, ClientID: cid}, nil
}

// RevokeSubject revokes every refresh family and every unexpired access
// token of subject, on every gateway sharing the store within one poll
// interval; it returns how many access tokens were revoked. The admin
// listener calls it.
func (s *Service) RevokeSubject(ctx context.Context, subject string) (int, error) {
	if subject == "" {
		return 0, errors.New("tokens: a subject is required")
	}
	n, err := s.store.RevokeSubject(ctx, subject, s.now())
	if err != nil {
		return 0, err
	}
	s.events.Emit(nil, audit.Event{Name: EventRevoked, Reason: "every token of the subject revoked", OWASP: audit.OWASPAuth, Attrs: []slog.Attr{slog.String("subject", subject)}})
	return n, s.Sync(ctx)
}

// parse verifies a token signed by one of the published keys and returns
// its claims.
func (s *Service) parse(token string) (jwt.MapClaims, error) {
	if len(token) > 8<<10 {
		return nil, ErrNotFound
	}
	kr := s.keys.Load()
	cl := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, cl, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == kr.signer.kid {
			return kr.signer.key.Public(), nil
		}
		return s.publishedKey(kr, kid)
	}, jwt.WithValidMethods([]string{ES256, EdDSA}), jwt.WithIssuer(s.issuer), jwt.WithAudience(s.audience),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	return cl, err
}
