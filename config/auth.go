package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/rampart-api/rampart/auth/apikey"
	"github.com/rampart-api/rampart/auth/claims"
	"github.com/rampart-api/rampart/auth/introspect"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/authz"
	"github.com/rampart-api/rampart/route"
)

// Auth configures the authenticators routes may name.
type Auth struct {
	// Realm is named in WWW-Authenticate challenges (default rampart).
	Realm string `yaml:"realm"`
	// JWT verifies JSON Web Tokens (auth.jwt); routes name it jwt. Unset:
	// no JWT authenticator.
	JWT *JWT `yaml:"jwt"`
	// APIKey verifies API keys stored as hashes (auth.apikey); routes name
	// it apikey. Unset: no API key authenticator.
	APIKey *APIKey `yaml:"apikey"`
	// Introspection checks opaque tokens at an RFC 7662 endpoint
	// (auth.introspection); routes name it introspection. Unset: none.
	Introspection *Introspection `yaml:"introspection"`
	// IdentityHeaders name the headers carrying the verified identity to
	// upstreams; "-" disables one. Client copies are always removed.
	IdentityHeaders IdentityHeaders `yaml:"identity_headers"`
}

// JWT verifies JSON Web Tokens from one or more issuers.
type JWT struct {
	// Header carries the token; default Authorization.
	Header string `yaml:"header"`
	// Scheme is Bearer (default) or none: the header value is the token.
	Scheme string `yaml:"scheme"`
	// Cookie names a cookie carrying the token when the header holds
	// none.
	Cookie string `yaml:"cookie"`
	// MaxTokenBytes refuses longer tokens before any decoding (default
	// 8192).
	MaxTokenBytes int `yaml:"max_token_bytes"`
	// Cache bounds the verified-token cache.
	Cache JWTCache `yaml:"cache"`
	// Issuers are the trusted issuers, chosen by the token's iss; at least
	// one is required.
	Issuers []JWTIssuer `yaml:"issuers"`

	// self is the tokens block the self issuer stands for.
	self *Tokens
}

// JWTCache bounds the verified-token cache.
type JWTCache struct {
	// MaxEntries is the most verified tokens remembered (default 10000).
	MaxEntries int `yaml:"max_entries"`
	// Disabled turns the cache off: every request pays a signature check
	// (a warning).
	Disabled bool `yaml:"disabled"`
}

// JWTIssuer is one trusted issuer with exactly one key source.
type JWTIssuer struct {
	// Issuer must equal the token's iss exactly. It may be omitted in one
	// issuer whose key is a secret, public_key_file or jwks_file: iss is
	// then not checked (a warning). Required with jwks_url and discovery.
	Issuer string `yaml:"issuer"`
	// Audience lists the accepted aud values; a token must name one.
	// Required unless DangerouslyAcceptAnyAudience is set.
	Audience []string `yaml:"audience"`
	// DangerouslyAcceptAnyAudience accepts tokens minted for any service of
	// this issuer (a warning). It must not be set when the issuer serves
	// other APIs.
	DangerouslyAcceptAnyAudience bool `yaml:"dangerously_accept_any_audience"`
	// DangerouslyAcceptHighS accepts high-S ECDSA signatures from this
	// issuer (a warning); by default they are refused.
	DangerouslyAcceptHighS bool `yaml:"dangerously_accept_high_s"`
	// Algorithms is the allowlist, the only source of truth: HS256, HS384,
	// HS512 (with a secret), RS256, RS384, RS512, PS256, PS384, PS512,
	// ES256, ES384, ES512 or EdDSA (with public keys). none is never
	// allowed. Required.
	Algorithms []string `yaml:"algorithms"`
	// Leeway tolerates clock skew on exp, nbf and iat; 0 (default) to 5m.
	Leeway time.Duration `yaml:"leeway"`
	// Type, when set, is the required typ header, such as at+jwt.
	Type string `yaml:"type"`
	// MaxAge accepts tokens without exp whose iat is at most this old,
	// and caps those with one.
	MaxAge time.Duration `yaml:"max_age"`
	// DangerouslyAllowWeakRSA accepts RSA keys from 1024 bits.
	DangerouslyAllowWeakRSA bool `yaml:"dangerously_allow_weak_rsa"`

	// Secret is the HMAC key, a reference (${env:NAME} or ${file:PATH}) of
	// at least 32 bytes (48 for HS384, 64 for HS512). One of the key
	// sources.
	Secret Secret `yaml:"secret"`
	// PublicKeyFile is a PEM public key or certificate, relative to the
	// config file. RSA keys need 2048 bits unless DangerouslyAllowWeakRSA is
	// set. One of the key sources.
	PublicKeyFile string `yaml:"public_key_file"`
	// JWKSFile is a JWK Set file, relative to the config file. One of the
	// key sources.
	JWKSFile string `yaml:"jwks_file"`
	// JWKSURL is fetched at start, refreshed every RefreshInterval and
	// refetched on an unknown kid; https only, except for loopback
	// addresses. One of the key sources.
	JWKSURL string `yaml:"jwks_url"`
	// Discovery finds the JWKS URL in the Issuer's OpenID Provider
	// metadata. One of the key sources.
	Discovery bool `yaml:"discovery"`

	// RefreshInterval is how often a fetched JWKS is refreshed (default
	// 1h).
	RefreshInterval time.Duration `yaml:"refresh_interval"`
	// RefetchInterval is the least time between fetches caused by unknown
	// kids (default 1m, at least 1s).
	RefetchInterval time.Duration `yaml:"refetch_interval"`
	// FetchTimeout bounds each JWKS or discovery fetch (default 5s).
	FetchTimeout time.Duration `yaml:"fetch_timeout"`

	// SubjectClaim is the claim path of the subject (default sub).
	SubjectClaim ClaimPath `yaml:"subject_claim"`
	// RolesClaim is the claim path of the roles (default roles).
	RolesClaim ClaimPath `yaml:"roles_claim"`
	// ScopesClaim is the claim path of the scopes (default scope, then
	// scp).
	ScopesClaim ClaimPath `yaml:"scopes_claim"`
	// TenantClaim is the claim path of the tenant (default none).
	TenantClaim ClaimPath `yaml:"tenant_claim"`
}

// ClaimPath is a claim path, written as a string ("userId", "data.role",
// "https://example.com/roles": dots walk nested objects, a key present
// verbatim wins) or as a list of exact keys (["https://x.example/claims",
// "roles"]), which is stored in the JSON-array form package claims reads.
type ClaimPath string

// UnmarshalYAML accepts a string or a list of strings.
func (c *ClaimPath) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*c = ClaimPath(n.Value)
		return nil
	case yaml.SequenceNode:
		var segs []string
		if err := n.Decode(&segs); err != nil {
			return err
		}
		*c = ClaimPath(claims.Segments(segs...))
		return nil
	}
	return errors.New("a claim path is a string or a list of keys")
}

// Config maps the block onto the authenticator's own configuration. Secrets
// must have been resolved (Load does it).
func (j *JWT) Config() jwt.Config {
	jc := jwt.Config{
		Header:        j.Header,
		Scheme:        j.Scheme,
		Cookie:        j.Cookie,
		MaxTokenBytes: j.MaxTokenBytes,
		Cache:         jwt.CacheConfig{MaxEntries: j.Cache.MaxEntries, Disabled: j.Cache.Disabled},
	}
	for _, is := range j.Issuers {
		if is.Issuer == SelfIssuer && j.self != nil {
			jc.Issuers = append(jc.Issuers, j.self.issuerConfig())
			continue
		}
		jc.Issuers = append(jc.Issuers, is.config())
	}
	return jc
}

func (is *JWTIssuer) config() jwt.IssuerConfig {
	ic := jwt.IssuerConfig{
		Issuer:                       is.Issuer,
		Audience:                     is.Audience,
		DangerouslyAcceptAnyAudience: is.DangerouslyAcceptAnyAudience,
		Algorithms:                   is.Algorithms,
		Leeway:                       is.Leeway,
		Type:                         is.Type,
		MaxAge:                       is.MaxAge,
		DangerouslyAllowWeakRSA:      is.DangerouslyAllowWeakRSA,
		DangerouslyAcceptHighS:       is.DangerouslyAcceptHighS,
		PublicKeyFile:                is.PublicKeyFile,
		JWKSFile:                     is.JWKSFile,
		JWKSURL:                      is.JWKSURL,
		Discovery:                    is.Discovery,
		RefreshInterval:              is.RefreshInterval,
		RefetchInterval:              is.RefetchInterval,
		FetchTimeout:                 is.FetchTimeout,
		SubjectClaim:                 string(is.SubjectClaim),
		RolesClaim:                   string(is.RolesClaim),
		ScopesClaim:                  string(is.ScopesClaim),
		TenantClaim:                  string(is.TenantClaim),
	}
	if is.Secret.IsSet() {
		ic.Secret = []byte(is.Secret.Value())
	}
	return ic
}

// APIKey verifies keys stored as SHA-256 hashes.
type APIKey struct {
	// Header carries the key (default X-API-Key).
	Header string `yaml:"header"`
	// Scheme, when set, requires the header value to be "<scheme> <key>";
	// required when Header is Authorization.
	Scheme string `yaml:"scheme"`
	// KeysFile is a file of key entries, relative to the config file,
	// read at start and by rampart check.
	KeysFile string `yaml:"keys_file"`
	// Keys are the stored keys, with those of KeysFile; keys or keys_file
	// is required.
	Keys []APIKeyEntry `yaml:"keys"`
}

// APIKeyEntry is one stored key: its hash, never the key.
type APIKeyEntry struct {
	// Hash is "sha256:" and the hex SHA-256 of the key (rampart token
	// apikey prints it); the key itself is never stored. Required.
	Hash string `yaml:"hash"`
	// Subject is the principal of a request bearing the key. Required.
	Subject string `yaml:"subject"`
	// Roles are the principal's roles.
	Roles []string `yaml:"roles"`
	// Scopes are the principal's scopes.
	Scopes []string `yaml:"scopes"`
	// Tenant is the principal's tenant.
	Tenant string `yaml:"tenant"`
	// Name labels the key for operators; it is the key_name claim.
	Name string `yaml:"name"`
}

// Introspection checks opaque tokens with an RFC 7662 endpoint.
type Introspection struct {
	// Endpoint is the introspection URL; https unless InsecureAllowHTTP.
	// Required.
	Endpoint string `yaml:"endpoint"`
	// ClientID authenticates the gateway at the endpoint. Required.
	ClientID string `yaml:"client_id"`
	// ClientSecret authenticates the gateway at the endpoint, a reference
	// (${env:NAME} or ${file:PATH}). Required.
	ClientSecret Secret `yaml:"client_secret"`
	// AuthMethod is client_secret_basic (default) or client_secret_post.
	AuthMethod string `yaml:"auth_method"`
	// Issuer, when set, must equal the answer's iss.
	Issuer string `yaml:"issuer"`
	// Audience, when set, must share a value with the answer's aud.
	Audience []string `yaml:"audience"`
	// SubjectClaim is the claim path of the subject (default sub).
	SubjectClaim ClaimPath `yaml:"subject_claim"`
	// RolesClaim is the claim path of the roles (default roles).
	RolesClaim ClaimPath `yaml:"roles_claim"`
	// ScopesClaim is the claim path of the scopes (default scope).
	ScopesClaim ClaimPath `yaml:"scopes_claim"`
	// TenantClaim is the claim path of the tenant (default none).
	TenantClaim ClaimPath `yaml:"tenant_claim"`
	// Timeout bounds one introspection call (default 3s).
	Timeout time.Duration `yaml:"timeout"`
	// CacheSize bounds the answer cache in entries (default 10000);
	// negative disables it.
	CacheSize int `yaml:"cache_size"`
	// CacheTTL is the longest an active answer is reused, never past the
	// token's exp: the delay before a revocation takes effect (default 1m).
	CacheTTL time.Duration `yaml:"cache_ttl"`
	// NegativeCacheTTL is how long an inactive answer is reused (default
	// 10s, at most CacheTTL).
	NegativeCacheTTL time.Duration `yaml:"negative_cache_ttl"`
	// InsecureAllowHTTP permits a plain-http Endpoint, sending tokens and
	// the client secret in clear (a warning).
	InsecureAllowHTTP bool `yaml:"insecure_allow_http"`
}

// IdentityHeaders name the forwarded identity headers.
type IdentityHeaders struct {
	// Subject names the header carrying the subject (default
	// X-Rampart-Subject).
	Subject string `yaml:"subject"`
	// Roles names the header carrying the roles (default X-Rampart-Roles).
	Roles string `yaml:"roles"`
	// Scopes names the header carrying the scopes (default
	// X-Rampart-Scopes).
	Scopes string `yaml:"scopes"`
	// Tenant names the header carrying the tenant (default
	// X-Rampart-Tenant).
	Tenant string `yaml:"tenant"`
}

// Owner is the object-level rule of a route (OWASP API1).
type Owner struct {
	// Param is the path parameter holding the owner's id. Required.
	Param string `yaml:"param"`
	// Claim is the claim path the parameter must equal; empty means the
	// principal's subject.
	Claim ClaimPath `yaml:"claim"`
	// ExceptRoles are roles that may act on any owner's objects.
	ExceptRoles []string `yaml:"except_roles"`
}

// Tenant is the tenant-isolation rule of a route.
type Tenant struct {
	// Param is the path parameter naming the tenant; set Param or Header.
	Param string `yaml:"param"`
	// Header is the request header naming the tenant; set Param or Header.
	Header string `yaml:"header"`
	// Claim is the claim path of the principal's tenant; empty means the
	// tenant the authenticator found (its tenant_claim).
	Claim ClaimPath `yaml:"claim"`
}

// Authenticators lists the configured authenticator names in the order a
// route without an explicit auth list tries them.
func (a *Auth) Authenticators() []string {
	var out []string
	if a.JWT != nil {
		out = append(out, AuthJWT)
	}
	if a.APIKey != nil {
		out = append(out, AuthAPIKey)
	}
	if a.Introspection != nil {
		out = append(out, AuthIntrospection)
	}
	return out
}

// EffectiveAuth is the authenticator list a route uses: its own, or,
// when it names none, every configured authenticator (failing closed).
func (c *Config) EffectiveAuth(r Route) []string {
	if len(r.Auth) > 0 {
		return r.Auth
	}
	return c.Auth.Authenticators()
}

// authConfig checks the authenticators. The JWT rules are package jwt's:
// config adds the warnings about risky but valid settings.
func (v *validator) authConfig(a *Auth) {
	if j := a.JWT; j != nil {
		v.jwt(j)
	}
	ih := a.IdentityHeaders
	if _, err := authz.NewForwarder(authz.ForwardConfig{Subject: ih.Subject, Roles: ih.Roles, Scopes: ih.Scopes, Tenant: ih.Tenant}); err != nil {
		v.featureErrors("auth.identity_headers", err)
	}
	if k := a.APIKey; k != nil {
		v.apikey(k)
	}
	if in := a.Introspection; in != nil {
		v.introspection(in)
	}
}

// jwt runs the authenticator's own validation over the block, as the
// gateway will: it reads every key file and resolved secret and applies
// the same rules, without contacting any identity provider. Each refusal
// names its field below auth.jwt. The warnings are about settings the
// authenticator accepts.
func (v *validator) jwt(j *JWT) {
	if _, err := jwt.Check(j.Config()); err != nil {
		if err = v.withoutSelf(j, err); err != nil {
			v.featureErrors("auth.jwt", err)
		}
	}
	for i := range j.Issuers {
		if j.Issuers[i].Issuer == SelfIssuer {
			v.selfIssuer(fmt.Sprintf("auth.jwt.issuers[%d]", i), &j.Issuers[i], j.self)
		}
	}
	if j.Scheme == jwt.SchemeNone && (j.Header == "" || strings.EqualFold(j.Header, "Authorization")) {
		v.warnf("auth.jwt.scheme", "none: every Authorization value is taken for a token, so no other authenticator can use that header")
	}
	if j.Cache.Disabled {
		v.warnf("auth.jwt.cache.disabled", "every request pays a full signature verification")
	}
	for i := range j.Issuers {
		is := &j.Issuers[i]
		p := fmt.Sprintf("auth.jwt.issuers[%d]", i)
		v.secret(p+".secret", &is.Secret)
		name := is.Issuer
		if name == "" {
			name = "this key"
			if is.JWKSURL == "" && !is.Discovery {
				v.warnf(p, "no issuer: iss is not checked; every token this key verifies is accepted, whatever its iss")
			}
		}
		if is.DangerouslyAcceptAnyAudience {
			v.warnf(p+".dangerously_accept_any_audience", "tokens for any service of %s are accepted", name)
		}
		if is.DangerouslyAllowWeakRSA {
			v.warnf(p+".dangerously_allow_weak_rsa", "RSA keys from 1024 bits are accepted; such keys are within reach of a well-funded attacker: rotate to 2048 bits or more")
		}
		if is.DangerouslyAcceptHighS {
			v.warnf(p+".dangerously_accept_high_s", "high-S ECDSA signatures from %s are accepted: each token has two strings, and anything outside Rampart that keys tokens by their string (replay or revocation lists) must normalise S", is.Issuer)
		}
	}
}

// apikey runs the authenticator's own validation, as the gateway will: it
// reads the keys file and checks every entry. Each refusal names its
// field below auth.apikey.
func (v *validator) apikey(k *APIKey) {
	_, err := apikey.New(k.Config())
	if err == nil {
		return
	}
	for _, e := range unjoin(err) {
		var ee *apikey.EntryError
		switch {
		case errors.As(e, &ee) && ee.Source == "keys":
			p := fmt.Sprintf("auth.apikey.keys[%d]", ee.Index)
			if ee.Field == "hash" || ee.Field == "subject" {
				p += "." + ee.Field
			}
			v.errorf(p, "%v", ee.Err)
		case errors.As(e, &ee), errors.Is(e, apikey.ErrKeysFile):
			v.errorf("auth.apikey.keys_file", "%v", e)
		case errors.Is(e, apikey.ErrBadHeader):
			v.errorf("auth.apikey.header", "%v", e)
		case errors.Is(e, apikey.ErrBadScheme), errors.Is(e, apikey.ErrSchemeNeeded):
			v.errorf("auth.apikey.scheme", "%v", e)
		case errors.Is(e, apikey.ErrNoKeys):
			v.errorf("auth.apikey", "keys or keys_file is required")
		default:
			v.errorf("auth.apikey", "%v", e)
		}
	}
}

// introspection runs the authenticator's own validation; it contacts
// no endpoint. Each refusal names its field below auth.introspection.
func (v *validator) introspection(in *Introspection) {
	p := "auth.introspection"
	if _, err := introspect.New(in.Config()); err != nil {
		v.featureErrors(p, err)
	}
	if in.InsecureAllowHTTP {
		v.warnf(p+".insecure_allow_http", "tokens and the client secret travel in clear")
	}
	v.secret(p+".client_secret", &in.ClientSecret)
}

// Config maps the block onto the authenticator's own configuration.
// Secrets must have been resolved (Load does it).
func (in *Introspection) Config() introspect.Config {
	return introspect.Config{
		Endpoint:          in.Endpoint,
		ClientID:          in.ClientID,
		ClientSecret:      in.ClientSecret.Value(),
		AuthMethod:        in.AuthMethod,
		Issuer:            in.Issuer,
		Audience:          in.Audience,
		SubjectClaim:      string(in.SubjectClaim),
		RolesClaim:        string(in.RolesClaim),
		ScopesClaim:       string(in.ScopesClaim),
		TenantClaim:       string(in.TenantClaim),
		Timeout:           in.Timeout,
		CacheSize:         in.CacheSize,
		CacheTTL:          in.CacheTTL,
		NegativeCacheTTL:  in.NegativeCacheTTL,
		InsecureAllowHTTP: in.InsecureAllowHTTP,
	}
}

// Config maps the block onto the authenticator's own configuration.
func (k *APIKey) Config() apikey.Config {
	kc := apikey.Config{Header: k.Header, Scheme: k.Scheme, KeysFile: k.KeysFile}
	for _, e := range k.Keys {
		kc.Keys = append(kc.Keys, apikey.Entry{Hash: e.Hash, Subject: e.Subject, Roles: e.Roles, Scopes: e.Scopes, Tenant: e.Tenant, Name: e.Name})
	}
	return kc
}

// routeAuth checks a route's authentication and authorization settings.
func (v *validator) routeAuth(c *Config, path string, r *Route) {
	configured := c.Auth.Authenticators()
	if len(r.Auth) == 0 {
		if len(configured) > 0 {
			v.warnf(path+".auth", "no auth listed: the route requires any of the configured authenticators (%s); write auth: none if it is public on purpose", strings.Join(configured, ", "))
		} else {
			v.warnf(path+".auth", "no authentication; write auth: none if this route is public on purpose")
		}
	}
	public := len(r.Auth) == 1 && r.Auth[0] == AuthNone
	for j, a := range r.Auth {
		p := fmt.Sprintf("%s.auth[%d]", path, j)
		if len(r.Auth) == 1 {
			p = path + ".auth"
		}
		switch a {
		case AuthNone:
			if len(r.Auth) > 1 {
				v.errorf(p, "none cannot be combined with authenticators")
			}
		case AuthJWT, AuthAPIKey, AuthIntrospection:
			if !slices.Contains(configured, a) {
				v.errorf(p, "authenticator %q is not configured under auth.%s", a, a)
			}
		default:
			v.errorf(p, "unknown authenticator %q (want none, jwt, apikey or introspection)", a)
		}
	}
	hasRule := len(r.Roles) > 0 || len(r.Scopes) > 0 || r.Owner != nil || r.Tenant != nil
	if public && hasRule {
		v.errorf(path, "roles, scopes, owner and tenant need an authenticated route, not auth: none")
	}
	if len(r.Auth) == 0 && len(configured) == 0 && hasRule {
		v.errorf(path, "roles, scopes, owner and tenant need an authenticator under auth")
	}
	params := map[string]bool{}
	if shape, err := route.Shape(r.Path); err == nil {
		_ = shape
		for _, seg := range strings.Split(r.Path, "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				params[seg[1:len(seg)-1]] = true
			}
		}
	}
	if o := r.Owner; o != nil {
		if o.Param == "" {
			v.errorf(path+".owner.param", "required")
		} else if !params[o.Param] {
			v.errorf(path+".owner.param", "%q is not a parameter of %s", o.Param, r.Path)
		}
	}
	if t := r.Tenant; t != nil {
		switch {
		case t.Param != "" && t.Header != "":
			v.errorf(path+".tenant", "set param or header, not both")
		case t.Param == "" && t.Header == "":
			v.errorf(path+".tenant", "param or header is required")
		case t.Param != "" && !params[t.Param]:
			v.errorf(path+".tenant.param", "%q is not a parameter of %s", t.Param, r.Path)
		}
	}
}
