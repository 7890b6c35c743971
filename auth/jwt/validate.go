package jwt

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-api/rampart/auth/claims"
	"golang.org/x/net/http/httpguts"
)

// Validate checks cfg against every rule that needs no key material: the
// algorithm allowlist ("none" is never allowed), the audience, exactly one
// key source per issuer, leeway, max age, claim paths, fetch intervals and
// the header, scheme and cookie. It reads no file and contacts no server;
// [New] and [Check] run it first and then load the keys, which adds the
// rules on key strength and key files.
//
// It returns every problem at once, joined, each a [*ConfigError] whose
// Field is the path of the field as a rampart.yaml file writes it under
// auth.jwt: "scheme", "issuers[1].algorithms[0]". Validate has no side
// effects and is safe for concurrent use.
func (c Config) Validate() error {
	return joinConfigErrors(c.validate())
}

// configErrors collects the problems of one configuration.
type configErrors []*ConfigError

func (e *configErrors) add(field, format string, args ...any) {
	*e = append(*e, &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// under reports whether a problem concerns field or a field below it.
func (e configErrors) under(field string) bool {
	for _, ce := range e {
		if ce.Field == field || strings.HasPrefix(ce.Field, field+".") || strings.HasPrefix(ce.Field, field+"[") {
			return true
		}
	}
	return false
}

func (c Config) validate() configErrors {
	var errs configErrors
	if c.MaxTokenBytes < 0 {
		errs.add("max_token_bytes", "must not be negative")
	}
	// A cookie name is an RFC 9110 token (RFC 6265), the grammar of a
	// header field name.
	if c.Cookie != "" && !httpguts.ValidHeaderFieldName(c.Cookie) {
		errs.add("cookie", "%q is not a valid cookie name", c.Cookie)
	}
	if c.Header != "" && !httpguts.ValidHeaderFieldName(c.Header) {
		errs.add("header", "not a valid header name")
	}
	switch {
	case c.Scheme == "" || strings.EqualFold(c.Scheme, SchemeBearer), c.Scheme == SchemeNone:
	default:
		errs.add("scheme", "%q: want Bearer or none", c.Scheme)
	}
	if c.Cache.MaxEntries < 0 {
		errs.add("cache.max_entries", "must not be negative")
	}
	if len(c.Issuers) == 0 {
		errs.add("issuers", "at least one issuer is required")
	}
	seen := map[string]int{}
	anonymous := -1
	for i, ic := range c.Issuers {
		p := fmt.Sprintf("issuers[%d]", i)
		switch first, dup := seen[ic.Issuer]; {
		case ic.Issuer == "" && (ic.JWKSURL != "" || ic.Discovery):
			errs.add(p+".issuer", "required with jwks_url and discovery: keys fetched from the network do not identify an issuer")
		case ic.Issuer == "" && anonymous >= 0:
			errs.add(p+".issuer", "required: only one issuer may omit it (issuers[%d] does)", anonymous)
		case ic.Issuer == "":
			anonymous = i
		case dup:
			errs.add(p+".issuer", "issuer %q configured twice (also issuers[%d])", ic.Issuer, first)
		default:
			seen[ic.Issuer] = i
		}
		ic.validate(p, &errs)
	}
	return errs
}

func (ic IssuerConfig) validate(p string, errs *configErrors) {
	sources := 0
	for _, set := range []bool{ic.Secret != nil, ic.PublicKeyPEM != nil, ic.PublicKeyFile != "", ic.JWKSFile != "", ic.JWKSURL != "", ic.Discovery, ic.KeySource != nil} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		errs.add(p, "exactly one key source is required: secret, public_key_file, jwks_file, jwks_url or discovery (found %d)", sources)
	}
	if len(ic.Algorithms) == 0 {
		errs.add(p+".algorithms", "required: the allowlist is the only source of truth (e.g. [ES256])")
	}
	for j, alg := range ic.Algorithms {
		f := fmt.Sprintf("%s.algorithms[%d]", p, j)
		switch {
		case strings.EqualFold(alg, "none"):
			errs.add(f, "none is never allowed")
		case !slices.Contains(Algorithms, alg):
			errs.add(f, "unknown algorithm %q (want one of %s)", alg, strings.Join(Algorithms, ", "))
		case sources != 1:
		case isHMAC(alg) && ic.Secret == nil:
			errs.add(f, "%s needs a secret; an HMAC algorithm with public keys is the RS256→HS256 key-confusion attack", alg)
		case !isHMAC(alg) && ic.Secret != nil:
			errs.add(f, "%s is asymmetric but the key is an HMAC secret", alg)
		}
	}
	name := ic.Issuer
	if name == "" {
		name = "this key"
	}
	if len(ic.Audience) == 0 && !ic.DangerouslyAcceptAnyAudience {
		errs.add(p+".audience", "required: tokens minted for other services of %s would be accepted (or set dangerously_accept_any_audience: true)", name)
	}
	for j, a := range ic.Audience {
		if a == "" {
			errs.add(fmt.Sprintf("%s.audience[%d]", p, j), "empty")
		}
	}
	if ic.Leeway < 0 || ic.Leeway > MaxLeeway {
		errs.add(p+".leeway", "must be between 0 and %s", strings.TrimSuffix(MaxLeeway.String(), "0s"))
	}
	if ic.MaxAge < 0 {
		errs.add(p+".max_age", "must not be negative")
	}
	for _, c := range []struct{ field, path string }{
		{"subject_claim", ic.SubjectClaim}, {"roles_claim", ic.RolesClaim},
		{"scopes_claim", ic.ScopesClaim}, {"tenant_claim", ic.TenantClaim},
	} {
		if c.path == "" {
			continue
		}
		if _, err := claims.Parse(c.path); err != nil {
			errs.add(p+"."+c.field, "%v", err)
		}
	}
	for _, d := range []struct {
		field string
		neg   bool
	}{{"fetch_timeout", ic.FetchTimeout < 0}, {"refresh_interval", ic.RefreshInterval < 0}, {"refetch_interval", ic.RefetchInterval < 0}} {
		if d.neg {
			errs.add(p+"."+d.field, "must not be negative")
		}
	}
	if ic.RefetchInterval >= 0 && orDefault(ic.RefetchInterval, DefaultRefetchInterval) < minRefetchInterval {
		errs.add(p+".refetch_interval", "at least 1s, so that unknown kids cannot make Rampart hammer the IdP")
	}
	switch {
	case sources != 1:
	case ic.JWKSURL != "":
		if reason := checkFetchURL(ic.JWKSURL); reason != "" {
			errs.add(p+".jwks_url", "%s", reason)
		}
	case ic.Discovery:
		if reason := checkFetchURL(ic.Issuer); reason != "" {
			errs.add(p+".discovery", "the issuer URL %s", reason)
		}
	}
}

// joinConfigErrors returns the problems as one error, or nil.
func joinConfigErrors(errs configErrors) error {
	if len(errs) == 0 {
		return nil
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}
