package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/tokens"
)

// SelfIssuer names, in auth.jwt.issuers, the tokens Rampart issues
// itself (the tokens block). It is trusted automatically whenever the
// tokens block is present.
const SelfIssuer = "self"

// Token stores for [Tokens.Store].
const (
	StoreSQLite   = "sqlite"
	StorePostgres = "postgres"
)

// DefaultTokenDB is the SQLite file of the token store, beside the
// configuration file, when tokens.sqlite.path is unset.
const DefaultTokenDB = "rampart-tokens.db"

// Tokens configures the token service: Rampart issues, refreshes and
// revokes the API's tokens, and the app only says whether a password is
// right (see [TokenLogin]).
type Tokens struct {
	// Issuer is the iss of the tokens and the base of the endpoint URLs
	// in the discovery document: the gateway's public https URL.
	Issuer   string `yaml:"issuer"`
	Audience string `yaml:"audience"`
	// Algorithm is ES256 (default) or EdDSA.
	Algorithm   string        `yaml:"algorithm"`
	AccessTTL   time.Duration `yaml:"access_ttl"`
	RefreshTTL  time.Duration `yaml:"refresh_ttl"`
	RotateEvery time.Duration `yaml:"rotate_every"`
	// KeyEncryptionKey encrypts generated private keys in the store: a
	// secret reference to at least 32 random bytes.
	KeyEncryptionKey Secret `yaml:"key_encryption_key"`
	// SigningKeyFiles are PEM private keys used instead of generated
	// ones: the first signs, the others are published only.
	SigningKeyFiles []string `yaml:"signing_key_files"`
	// Store is sqlite (default) or postgres.
	Store    string         `yaml:"store"`
	SQLite   TokensSQLite   `yaml:"sqlite"`
	Postgres TokensPostgres `yaml:"postgres"`
	// Login marks the route whose 2xx answer means the credentials were
	// right.
	Login *TokenLogin `yaml:"login"`
	// TokenPath and RevokePath default to /oauth/token and
	// /oauth/revoke; LogoutPath, when set, revokes the caller's tokens.
	TokenPath  string `yaml:"token_path"`
	RevokePath string `yaml:"revoke_path"`
	LogoutPath string `yaml:"logout_path"`
	// Cookies also sets the tokens as HttpOnly; Secure; SameSite=Strict
	// cookies, and auth.jwt reads the access token from its cookie.
	Cookies bool          `yaml:"cookies"`
	Clients []TokenClient `yaml:"clients"`
}

// TokensSQLite locates the SQLite token store.
type TokensSQLite struct {
	// Path is relative to the configuration file; default
	// rampart-tokens.db beside it.
	Path string `yaml:"path"`
}

// TokensPostgres locates the PostgreSQL token store.
type TokensPostgres struct {
	// URL is a secret reference to a postgres:// URL.
	URL Secret `yaml:"url"`
}

// TokenLogin is the login exchange.
type TokenLogin struct {
	// Path is a route's path, exactly as written under routes.
	Path string `yaml:"path"`
	// Pointers into the upstream's JSON answer, instead of the
	// X-Rampart-Login-* headers.
	SubjectPointer string `yaml:"subject_pointer"`
	RolesPointer   string `yaml:"roles_pointer"`
	ScopesPointer  string `yaml:"scopes_pointer"`
	TenantPointer  string `yaml:"tenant_pointer"`
}

// TokenClient is a registered client of the client_credentials grant.
type TokenClient struct {
	ID string `yaml:"id"`
	// SecretHash is the argon2id PHC string rampart token client prints.
	SecretHash string   `yaml:"secret_hash"`
	Scopes     []string `yaml:"scopes"`
	Roles      []string `yaml:"roles"`
}

// ServiceConfig maps the block onto the token service's configuration,
// without its store, clock or event sinks. Secrets and key files must have
// been resolved and read (Load does it; the key files are read here).
func (t *Tokens) ServiceConfig() (tokens.Config, error) {
	tc := tokens.Config{
		Issuer: t.Issuer, Audience: t.Audience, Algorithm: t.Algorithm,
		AccessTTL: t.AccessTTL, RefreshTTL: t.RefreshTTL, RotateEvery: t.RotateEvery,
		TokenPath: t.TokenPath, RevokePath: t.RevokePath, LogoutPath: t.LogoutPath, Cookies: t.Cookies,
	}
	if t.KeyEncryptionKey.IsSet() {
		tc.KeyEncryptionKey = []byte(t.KeyEncryptionKey.Value())
	}
	for _, f := range t.SigningKeyFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return tc, fmt.Errorf("tokens.signing_key_files: %w", unwrapPathError(err))
		}
		tc.SigningKeys = append(tc.SigningKeys, b)
	}
	for _, c := range t.Clients {
		tc.Clients = append(tc.Clients, tokens.Client{ID: c.ID, SecretHash: c.SecretHash, Scopes: c.Scopes, Roles: c.Roles})
	}
	return tc, nil
}

// LoginConfig maps the login block onto the exchange's configuration.
func (l *TokenLogin) LoginConfig() tokens.LoginConfig {
	return tokens.LoginConfig{SubjectPointer: l.SubjectPointer, RolesPointer: l.RolesPointer, ScopesPointer: l.ScopesPointer, TenantPointer: l.TenantPointer}
}

// issuerConfig is the verifier's issuer for the tokens Rampart signs. Its
// key source is a stand-in with a throwaway key, so that the block can
// be checked without a store; the gateway puts the token service in its
// place.
func (t *Tokens) issuerConfig() jwt.IssuerConfig {
	alg := t.Algorithm
	if alg == "" {
		alg = tokens.ES256
	}
	return jwt.IssuerConfig{
		Issuer:      strings.TrimSuffix(t.Issuer, "/"),
		Audience:    []string{t.Audience},
		Algorithms:  []string{alg},
		Type:        tokens.AccessTokenType,
		TenantClaim: "tenant",
		KeySource:   standIn(alg),
	}
}

// StandInKeys is the key source [Tokens] gives the self issuer until the
// gateway replaces it with the token service.
type StandInKeys struct{ jwks []byte }

// PublicJWKS implements jwt.KeySource.
func (s *StandInKeys) PublicJWKS() ([]byte, <-chan struct{}) { return s.jwks, nil }

var standIns sync.Map // alg → *StandInKeys

func standIn(alg string) *StandInKeys {
	if k, ok := standIns.Load(alg); ok {
		return k.(*StandInKeys)
	}
	s := &StandInKeys{jwks: []byte(`{"keys":[]}`)}
	if kp, err := devtoken.Keygen(alg); err == nil {
		var b bytes.Buffer
		if kp.WriteJWKS(&b) == nil {
			s.jwks = b.Bytes()
		}
	}
	k, _ := standIns.LoadOrStore(alg, s)
	return k.(*StandInKeys)
}

// tokensDefaults makes auth.jwt trust the self issuer, creating auth.jwt
// when absent, and reads the access cookie with tokens.cookies.
func (c *Config) tokensDefaults() {
	t := c.Tokens
	if t == nil {
		return
	}
	if t.Store == "" {
		t.Store = StoreSQLite
	}
	if c.Auth.JWT == nil {
		c.Auth.JWT = &JWT{}
	}
	j := c.Auth.JWT
	j.self = t
	if !slices.ContainsFunc(j.Issuers, func(is JWTIssuer) bool { return is.Issuer == SelfIssuer }) {
		j.Issuers = append(j.Issuers, JWTIssuer{Issuer: SelfIssuer})
	}
	if t.Cookies && j.Cookie == "" {
		j.Cookie = tokens.AccessCookie
	}
}

func (c *Config) resolveTokenPaths(r resolver) {
	t := c.Tokens
	if t == nil {
		return
	}
	for i, f := range t.SigningKeyFiles {
		t.SigningKeyFiles[i] = r.abs(f)
	}
	if t.Store == StoreSQLite || t.Store == "" {
		if t.SQLite.Path == "" {
			t.SQLite.Path = DefaultTokenDB
		}
		t.SQLite.Path = r.abs(t.SQLite.Path)
	}
}

// selfIssuer checks an auth.jwt issuer named self: everything comes from
// the tokens block.
func (v *validator) selfIssuer(p string, is *JWTIssuer, t *Tokens) {
	if t == nil {
		v.errorf(p+".issuer", "self names the tokens Rampart issues; configure the tokens block")
		return
	}
	set := is.Secret.IsSet() || is.PublicKeyFile != "" || is.JWKSFile != "" || is.JWKSURL != "" || is.Discovery ||
		len(is.Audience) > 0 || len(is.Algorithms) > 0
	if set {
		v.errorf(p, "the self issuer takes its keys, audience and algorithm from the tokens block; remove them here")
	}
}

func (v *validator) tokens(c *Config) {
	t := c.Tokens
	if t == nil {
		return
	}
	p := "tokens"
	if t.Issuer == "" {
		v.errorf(p+".issuer", "required: the gateway's public URL, e.g. https://api.example.com")
	} else if u, err := url.Parse(t.Issuer); err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		v.errorf(p+".issuer", "%q is not an absolute URL without query or fragment", t.Issuer)
	} else if u.Scheme != "https" && !(u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")) {
		v.errorf(p+".issuer", "%q: must be https (http only on loopback)", t.Issuer)
	}
	if t.Audience == "" {
		v.errorf(p+".audience", "required: the aud of the access tokens, e.g. the API's name")
	}
	switch t.Algorithm {
	case "", tokens.ES256, tokens.EdDSA:
	default:
		v.errorf(p+".algorithm", "%q: want ES256 or EdDSA", t.Algorithm)
	}
	access := t.AccessTTL
	if access == 0 {
		access = tokens.DefaultAccessTTL
	}
	refresh := t.RefreshTTL
	if refresh == 0 {
		refresh = tokens.DefaultRefreshTTL
	}
	switch {
	case t.AccessTTL < 0:
		v.errorf(p+".access_ttl", "must not be negative")
	case access > 24*time.Hour:
		v.errorf(p+".access_ttl", "%s: access tokens cannot be recalled from other verifiers; at most 24h", access)
	case access > time.Hour:
		v.warnf(p+".access_ttl", "%s: a stolen access token stays usable that long at verifiers outside Rampart", access)
	}
	if t.RefreshTTL < 0 || refresh < access {
		v.errorf(p+".refresh_ttl", "must be at least access_ttl (%s)", access)
	}
	if t.RotateEvery < 0 || (t.RotateEvery > 0 && t.RotateEvery < time.Hour) {
		v.errorf(p+".rotate_every", "at least 1h")
	}
	if len(t.SigningKeyFiles) == 0 {
		if !t.KeyEncryptionKey.IsSet() {
			v.errorf(p+".key_encryption_key", "required: a ${env:NAME} or ${file:PATH} reference to at least %d random bytes (openssl rand -base64 32), which encrypts the generated signing keys", tokens.MinKeyEncryptionKeyBytes)
		} else {
			v.secret(p+".key_encryption_key", &t.KeyEncryptionKey)
			if val := t.KeyEncryptionKey.Value(); val != "" && len(val) < tokens.MinKeyEncryptionKeyBytes {
				v.errorf(p+".key_encryption_key", "%d bytes; at least %d random bytes are required", len(val), tokens.MinKeyEncryptionKeyBytes)
			}
		}
	} else if t.KeyEncryptionKey.IsSet() {
		v.warnf(p+".key_encryption_key", "unused: signing_key_files are given")
	}
	for i, f := range t.SigningKeyFiles {
		fp := fmt.Sprintf("%s.signing_key_files[%d]", p, i)
		b, err := readFileLimited(f)
		if err != nil {
			v.errorf(fp, "%v", unwrapPathError(err))
			continue
		}
		kp, err := devtoken.ParsePrivateKey(b, "")
		if err != nil {
			v.errorf(fp, "%v", err)
		} else if kp.Algorithm != tokens.ES256 && kp.Algorithm != tokens.EdDSA {
			v.errorf(fp, "an %s key; give a P-256 (ES256) or Ed25519 key", kp.Algorithm)
		}
	}
	switch t.Store {
	case StoreSQLite:
		if t.Postgres.URL.IsSet() {
			v.errorf(p+".postgres", "set store: postgres to use it")
		}
	case StorePostgres:
		if !t.Postgres.URL.IsSet() {
			v.errorf(p+".postgres.url", "required with store: postgres")
		}
		v.secret(p+".postgres.url", &t.Postgres.URL)
	default:
		v.errorf(p+".store", "%q: want sqlite or postgres", t.Store)
	}
	if t.Cookies && c.Server.TLS == nil {
		v.warnf(p+".cookies", "Secure cookies are sent back by browsers over https only: terminate TLS in front of Rampart or set server.tls")
	}
	paths := map[string]string{}
	for _, e := range []struct{ field, path, def string }{
		{"token_path", t.TokenPath, tokens.DefaultTokenPath}, {"revoke_path", t.RevokePath, tokens.DefaultRevokePath}, {"logout_path", t.LogoutPath, ""},
	} {
		path := e.path
		if path == "" {
			path = e.def
		}
		if path == "" {
			continue
		}
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#{}*") {
			v.errorf(p+"."+e.field, "%q: want a literal absolute path", path)
			continue
		}
		if other, dup := paths[path]; dup {
			v.errorf(p+"."+e.field, "%s is also tokens.%s", path, other)
		}
		paths[path] = e.field
		for i, r := range c.Routes {
			if r.Path == path {
				v.errorf(p+"."+e.field, "%s is also routes[%d]: the token service answers it, so the route would never be reached", path, i)
			}
		}
	}
	if l := t.Login; l != nil {
		lp := p + ".login"
		found := false
		for _, r := range c.Routes {
			found = found || (r.Path == l.Path && !r.Deny)
		}
		switch {
		case l.Path == "":
			v.errorf(lp+".path", "required: the path of the login route")
		case !found:
			v.errorf(lp+".path", "%q is not the path of a route", l.Path)
		}
		for name, ptr := range map[string]string{"subject_pointer": l.SubjectPointer, "roles_pointer": l.RolesPointer, "scopes_pointer": l.ScopesPointer, "tenant_pointer": l.TenantPointer} {
			if ptr != "" && !strings.HasPrefix(ptr, "/") {
				v.errorf(lp+"."+name, "%q is not a JSON pointer (RFC 6901: /user/id)", ptr)
			}
		}
		if l.SubjectPointer == "" && (l.RolesPointer != "" || l.ScopesPointer != "" || l.TenantPointer != "") {
			v.errorf(lp+".subject_pointer", "required with the other pointers")
		}
	}
	seen := map[string]int{}
	for i, cl := range t.Clients {
		cp := fmt.Sprintf("%s.clients[%d]", p, i)
		if cl.ID == "" || strings.ContainsAny(cl.ID, ":\x00") {
			v.errorf(cp+".id", "required, without ':'")
		} else if j, dup := seen[cl.ID]; dup {
			v.errorf(cp+".id", "%q is also tokens.clients[%d]", cl.ID, j)
		}
		seen[cl.ID] = i
		if _, _, _, err := argon2id.DecodeHash(cl.SecretHash); err != nil {
			v.errorf(cp+".secret_hash", "not an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash); make one with rampart token client")
		}
	}
}

// withoutSelf drops the verifier's complaints about the self issuer: the
// tokens block it is built from reports its own problems, at their lines.
func (v *validator) withoutSelf(j *JWT, err error) error {
	if j.self == nil {
		return err
	}
	var keep []error
	for _, e := range unjoin(err) {
		var ce *jwt.ConfigError
		if errors.As(e, &ce) && isSelfField(j, ce.Field) {
			continue
		}
		keep = append(keep, e)
	}
	return errors.Join(keep...)
}

func isSelfField(j *JWT, field string) bool {
	for i, is := range j.Issuers {
		p := fmt.Sprintf("issuers[%d]", i)
		if is.Issuer == SelfIssuer && (field == p || strings.HasPrefix(field, p+".") || strings.HasPrefix(field, p+"[")) {
			return true
		}
	}
	return false
}
