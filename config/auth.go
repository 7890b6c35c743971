package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-api/rampart/route"
)

// Auth configures the authenticators routes may name.
type Auth struct {
	// Realm is named in WWW-Authenticate challenges.
	Realm         string         `yaml:"realm"`
	JWT           *JWT           `yaml:"jwt"`
	APIKey        *APIKey        `yaml:"apikey"`
	Introspection *Introspection `yaml:"introspection"`
	// IdentityHeaders name the headers carrying the verified identity to
	// upstreams; "-" disables one. Client copies are always removed.
	IdentityHeaders IdentityHeaders `yaml:"identity_headers"`
}

// JWT verifies JSON Web Tokens from one or more issuers.
type JWT struct {
	// Cookie names a cookie carrying the token when there is no
	// Authorization header.
	Cookie        string      `yaml:"cookie"`
	MaxTokenBytes int         `yaml:"max_token_bytes"`
	Cache         JWTCache    `yaml:"cache"`
	Issuers       []JWTIssuer `yaml:"issuers"`
}

// JWTCache bounds the verified-token cache.
type JWTCache struct {
	MaxEntries int  `yaml:"max_entries"`
	Disabled   bool `yaml:"disabled"`
}

// JWTIssuer is one trusted issuer with exactly one key source.
type JWTIssuer struct {
	Issuer                       string        `yaml:"issuer"`
	Audience                     []string      `yaml:"audience"`
	DangerouslyAcceptAnyAudience bool          `yaml:"dangerously_accept_any_audience"`
	DangerouslyAcceptHighS       bool          `yaml:"dangerously_accept_high_s"`
	Algorithms                   []string      `yaml:"algorithms"`
	Leeway                       time.Duration `yaml:"leeway"`
	Type                         string        `yaml:"type"`

	Secret        Secret `yaml:"secret"`
	PublicKeyFile string `yaml:"public_key_file"`
	JWKSFile      string `yaml:"jwks_file"`
	JWKSURL       string `yaml:"jwks_url"`
	Discovery     bool   `yaml:"discovery"`

	RefreshInterval time.Duration `yaml:"refresh_interval"`
	RefetchInterval time.Duration `yaml:"refetch_interval"`
	FetchTimeout    time.Duration `yaml:"fetch_timeout"`

	SubjectClaim string `yaml:"subject_claim"`
	RolesClaim   string `yaml:"roles_claim"`
	ScopesClaim  string `yaml:"scopes_claim"`
	TenantClaim  string `yaml:"tenant_claim"`
}

// APIKey verifies keys stored as SHA-256 hashes.
type APIKey struct {
	Header   string        `yaml:"header"`
	Scheme   string        `yaml:"scheme"`
	KeysFile string        `yaml:"keys_file"`
	Keys     []APIKeyEntry `yaml:"keys"`
}

// APIKeyEntry is one stored key: its hash, never the key.
type APIKeyEntry struct {
	Hash    string   `yaml:"hash"`
	Subject string   `yaml:"subject"`
	Roles   []string `yaml:"roles"`
	Scopes  []string `yaml:"scopes"`
	Tenant  string   `yaml:"tenant"`
	Name    string   `yaml:"name"`
}

// Introspection checks opaque tokens with an RFC 7662 endpoint.
type Introspection struct {
	Endpoint          string        `yaml:"endpoint"`
	ClientID          string        `yaml:"client_id"`
	ClientSecret      Secret        `yaml:"client_secret"`
	AuthMethod        string        `yaml:"auth_method"`
	Issuer            string        `yaml:"issuer"`
	Audience          []string      `yaml:"audience"`
	SubjectClaim      string        `yaml:"subject_claim"`
	RolesClaim        string        `yaml:"roles_claim"`
	ScopesClaim       string        `yaml:"scopes_claim"`
	TenantClaim       string        `yaml:"tenant_claim"`
	Timeout           time.Duration `yaml:"timeout"`
	CacheSize         int           `yaml:"cache_size"`
	CacheTTL          time.Duration `yaml:"cache_ttl"`
	NegativeCacheTTL  time.Duration `yaml:"negative_cache_ttl"`
	InsecureAllowHTTP bool          `yaml:"insecure_allow_http"`
}

// IdentityHeaders name the forwarded identity headers.
type IdentityHeaders struct {
	Subject string `yaml:"subject"`
	Roles   string `yaml:"roles"`
	Scopes  string `yaml:"scopes"`
	Tenant  string `yaml:"tenant"`
}

// Owner is the object-level rule of a route (OWASP API1).
type Owner struct {
	Param       string   `yaml:"param"`
	Claim       string   `yaml:"claim"`
	ExceptRoles []string `yaml:"except_roles"`
}

// Tenant is the tenant-isolation rule of a route.
type Tenant struct {
	Param  string `yaml:"param"`
	Header string `yaml:"header"`
	Claim  string `yaml:"claim"`
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

var knownAlgs = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

func (v *validator) authConfig(a *Auth) {
	if j := a.JWT; j != nil {
		if len(j.Issuers) == 0 {
			v.errorf("auth.jwt.issuers", "at least one issuer is required")
		}
		seen := map[string]bool{}
		for i := range j.Issuers {
			v.jwtIssuer(fmt.Sprintf("auth.jwt.issuers[%d]", i), &j.Issuers[i], seen)
		}
		if j.Cache.Disabled {
			v.warnf("auth.jwt.cache.disabled", "every request pays a full signature verification")
		}
	}
	if k := a.APIKey; k != nil {
		if k.KeysFile == "" && len(k.Keys) == 0 {
			v.errorf("auth.apikey", "keys or keys_file is required")
		}
		for i, e := range k.Keys {
			p := fmt.Sprintf("auth.apikey.keys[%d]", i)
			if e.Hash == "" {
				v.errorf(p+".hash", "required (sha256:<hex> of the key; rampart never stores keys)")
			}
			if e.Subject == "" {
				v.errorf(p+".subject", "required")
			}
		}
	}
	if in := a.Introspection; in != nil {
		p := "auth.introspection"
		if in.Endpoint == "" {
			v.errorf(p+".endpoint", "required")
		} else if strings.HasPrefix(in.Endpoint, "http://") && !in.InsecureAllowHTTP {
			v.errorf(p+".endpoint", "must be https (insecure_allow_http sends tokens and the client secret in clear)")
		}
		if in.InsecureAllowHTTP {
			v.warnf(p+".insecure_allow_http", "tokens and the client secret travel in clear")
		}
		if in.ClientID == "" {
			v.errorf(p+".client_id", "required")
		}
		if !in.ClientSecret.IsSet() {
			v.errorf(p+".client_secret", "required")
		}
		v.secret(p+".client_secret", &in.ClientSecret)
	}
}

func (v *validator) jwtIssuer(p string, is *JWTIssuer, seen map[string]bool) {
	if is.Issuer == "" {
		v.errorf(p+".issuer", "required")
	} else if seen[is.Issuer] {
		v.errorf(p+".issuer", "issuer %q configured twice", is.Issuer)
	}
	seen[is.Issuer] = true
	if len(is.Audience) == 0 && !is.DangerouslyAcceptAnyAudience {
		v.errorf(p+".audience", "required: tokens minted for other services of this issuer would be accepted")
	}
	if is.DangerouslyAcceptAnyAudience {
		v.warnf(p+".dangerously_accept_any_audience", "tokens for any service of %s are accepted", is.Issuer)
	}
	if is.DangerouslyAcceptHighS {
		v.warnf(p+".dangerously_accept_high_s", "high-S ECDSA signatures from %s are accepted: each token has two strings, and anything outside Rampart that keys tokens by their string (replay or revocation lists) must normalise S", is.Issuer)
	}
	if len(is.Algorithms) == 0 {
		v.errorf(p+".algorithms", "required: the allowlist is the only source of truth (e.g. [ES256])")
	}
	for i, a := range is.Algorithms {
		if strings.EqualFold(a, "none") {
			v.errorf(fmt.Sprintf("%s.algorithms[%d]", p, i), "none is never allowed")
		} else if !slices.Contains(knownAlgs, a) {
			v.errorf(fmt.Sprintf("%s.algorithms[%d]", p, i), "unknown algorithm %q (want one of %s)", a, strings.Join(knownAlgs, ", "))
		}
	}
	sources := 0
	for _, set := range []bool{is.Secret.IsSet(), is.PublicKeyFile != "", is.JWKSFile != "", is.JWKSURL != "", is.Discovery} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		v.errorf(p, "exactly one key source is required: secret, public_key_file, jwks_file, jwks_url or discovery (found %d)", sources)
	}
	v.secret(p+".secret", &is.Secret)
	if is.Leeway < 0 || is.Leeway > 5*time.Minute {
		v.errorf(p+".leeway", "must be between 0 and 5m")
	}
	for _, f := range []struct{ field, path string }{{"public_key_file", is.PublicKeyFile}, {"jwks_file", is.JWKSFile}} {
		if f.path != "" {
			is.setPath(f.field, v.res.abs(f.path))
		}
	}
}

func (is *JWTIssuer) setPath(field, p string) {
	switch field {
	case "public_key_file":
		is.PublicKeyFile = p
	case "jwks_file":
		is.JWKSFile = p
	}
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
