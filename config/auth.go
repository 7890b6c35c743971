package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rampart-api/rampart/auth/claims"
	"github.com/rampart-api/rampart/auth/jwt"
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
	// Header carries the token; default Authorization.
	Header string `yaml:"header"`
	// Scheme is Bearer (default) or none: the header value is the token.
	Scheme string `yaml:"scheme"`
	// Cookie names a cookie carrying the token when the header holds
	// none.
	Cookie        string      `yaml:"cookie"`
	MaxTokenBytes int         `yaml:"max_token_bytes"`
	Cache         JWTCache    `yaml:"cache"`
	Issuers       []JWTIssuer `yaml:"issuers"`

	// self is the tokens block the self issuer stands for.
	self *Tokens
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
	// MaxAge accepts tokens without exp whose iat is at most this old,
	// and caps those with one.
	MaxAge time.Duration `yaml:"max_age"`
	// DangerouslyAllowWeakRSA accepts RSA keys from 1024 bits.
	DangerouslyAllowWeakRSA bool `yaml:"dangerously_allow_weak_rsa"`

	Secret        Secret `yaml:"secret"`
	PublicKeyFile string `yaml:"public_key_file"`
	JWKSFile      string `yaml:"jwks_file"`
	JWKSURL       string `yaml:"jwks_url"`
	Discovery     bool   `yaml:"discovery"`

	RefreshInterval time.Duration `yaml:"refresh_interval"`
	RefetchInterval time.Duration `yaml:"refetch_interval"`
	FetchTimeout    time.Duration `yaml:"fetch_timeout"`

	SubjectClaim ClaimPath `yaml:"subject_claim"`
	RolesClaim   ClaimPath `yaml:"roles_claim"`
	ScopesClaim  ClaimPath `yaml:"scopes_claim"`
	TenantClaim  ClaimPath `yaml:"tenant_claim"`
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
	return fmt.Errorf("line %d: a claim path is a string or a list of keys", n.Line)
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
	SubjectClaim      ClaimPath     `yaml:"subject_claim"`
	RolesClaim        ClaimPath     `yaml:"roles_claim"`
	ScopesClaim       ClaimPath     `yaml:"scopes_claim"`
	TenantClaim       ClaimPath     `yaml:"tenant_claim"`
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
	Param       string    `yaml:"param"`
	Claim       ClaimPath `yaml:"claim"`
	ExceptRoles []string  `yaml:"except_roles"`
}

// Tenant is the tenant-isolation rule of a route.
type Tenant struct {
	Param  string    `yaml:"param"`
	Header string    `yaml:"header"`
	Claim  ClaimPath `yaml:"claim"`
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
		before := v.errorsUnder("auth.jwt")
		switch {
		case j.Scheme == "" || strings.EqualFold(j.Scheme, jwt.SchemeBearer):
		case j.Scheme == jwt.SchemeNone:
			if j.Header == "" || strings.EqualFold(j.Header, "Authorization") {
				v.warnf("auth.jwt.scheme", "none: every Authorization value is taken for a token, so no other authenticator can use that header")
			}
		default:
			v.errorf("auth.jwt.scheme", "%q: want Bearer or none", j.Scheme)
		}
		seen := map[string]bool{}
		anonymous := -1
		for i := range j.Issuers {
			p := fmt.Sprintf("auth.jwt.issuers[%d]", i)
			if j.Issuers[i].Issuer == "" {
				if anonymous >= 0 {
					v.errorf(p+".issuer", "required: only one issuer may omit it (auth.jwt.issuers[%d] does)", anonymous)
				} else if is := &j.Issuers[i]; is.JWKSURL == "" && !is.Discovery {
					anonymous = i
				}
			}
			if j.Issuers[i].Issuer == SelfIssuer {
				v.selfIssuer(p, &j.Issuers[i], j.self)
				continue
			}
			v.jwtIssuer(p, &j.Issuers[i], seen)
		}
		if j.Cache.Disabled {
			v.warnf("auth.jwt.cache.disabled", "every request pays a full signature verification")
		}
		if v.errorsUnder("auth.jwt") == before {
			v.jwtKeys(j)
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
	switch {
	case is.Issuer == "" && (is.JWKSURL != "" || is.Discovery):
		v.errorf(p+".issuer", "required with jwks_url and discovery: keys fetched from the network do not identify an issuer")
	case is.Issuer == "":
		v.warnf(p, "no issuer: iss is not checked; every token this key verifies is accepted, whatever its iss")
	case seen[is.Issuer]:
		v.errorf(p+".issuer", "issuer %q configured twice", is.Issuer)
	}
	seen[is.Issuer] = true
	name := is.Issuer
	if name == "" {
		name = "this key"
	}
	if len(is.Audience) == 0 && !is.DangerouslyAcceptAnyAudience {
		v.errorf(p+".audience", "required: tokens minted for other services of %s would be accepted (or set dangerously_accept_any_audience: true)", name)
	}
	if is.DangerouslyAcceptAnyAudience {
		v.warnf(p+".dangerously_accept_any_audience", "tokens for any service of %s are accepted", name)
	}
	if is.MaxAge < 0 {
		v.errorf(p+".max_age", "must not be negative")
	}
	if is.DangerouslyAllowWeakRSA {
		v.warnf(p+".dangerously_allow_weak_rsa", "RSA keys from 1024 bits are accepted; such keys are within reach of a well-funded attacker: rotate to 2048 bits or more")
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
}

// errorsUnder counts the errors reported so far at path or below it.
func (v *validator) errorsUnder(path string) int {
	n := 0
	for _, p := range v.diags {
		if p.Severity == Error && (p.Path == path || strings.HasPrefix(p.Path, path+".") || strings.HasPrefix(p.Path, path+"[")) {
			n++
		}
	}
	return n
}

// jwtFields maps the jwt package's field names onto the file's.
var jwtFields = map[string]string{
	"Issuer": "issuer", "Audience": "audience", "Algorithms": "algorithms", "Leeway": "leeway",
	"MaxAge": "max_age", "Secret": "secret", "PublicKeyFile": "public_key_file", "JWKSFile": "jwks_file",
	"JWKSURL": "jwks_url", "Discovery": "discovery", "RefetchInterval": "refetch_interval",
	"SubjectClaim": "subject_claim", "RolesClaim": "roles_claim", "ScopesClaim": "scopes_claim",
	"TenantClaim": "tenant_claim", "Header": "header", "Scheme": "scheme", "Cookie": "cookie",
	"MaxTokenBytes": "max_token_bytes", "Cache.MaxEntries": "cache.max_entries",
}

// jwtKeys runs the authenticator's own validation over the block, as the
// gateway will: it reads every key file and resolved secret and applies
// the same strength rules, without contacting any identity provider. Its
// refusals become errors at the field they concern.
func (v *validator) jwtKeys(j *JWT) {
	_, err := jwt.Check(j.Config())
	if err == nil {
		return
	}
	for _, e := range unjoin(err) {
		var ce *jwt.ConfigError
		if !errors.As(e, &ce) {
			v.errorf("auth.jwt", "%v", e)
			continue
		}
		if j.self != nil && ce.Issuer == strings.TrimSuffix(j.self.Issuer, "/") {
			continue // the tokens block reports its own problems
		}
		p := "auth.jwt"
		if ce.Issuer != "" {
			for i, is := range j.Issuers {
				if is.Issuer == ce.Issuer || fmt.Sprintf("#%d", i+1) == ce.Issuer {
					p = fmt.Sprintf("auth.jwt.issuers[%d]", i)
					break
				}
			}
		}
		if f, ok := jwtFields[ce.Field]; ok {
			p += "." + f
		}
		v.errorf(p, "%s", ce.Reason)
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
