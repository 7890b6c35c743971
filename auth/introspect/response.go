package introspect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth/claims"
)

// Refusals, built once: a flood of dead tokens allocates no error values.
var (
	errInactive      = rampart.InvalidCredentials(ErrInactive)
	errExpired       = rampart.InvalidCredentials(ErrExpired)
	errNotYetValid   = rampart.InvalidCredentials(ErrNotYetValid)
	errWrongIssuer   = rampart.InvalidCredentials(ErrWrongIssuer)
	errWrongAudience = rampart.InvalidCredentials(ErrWrongAudience)
	errNoSubject     = rampart.InvalidCredentials(ErrNoSubject)
	errNotAccess     = rampart.InvalidCredentials(ErrNotAccess)
)

// decide turns an RFC 7662 response body into a cache entry: a principal
// living until min(exp, now+CacheTTL), or a refusal living NegativeCacheTTL.
// A body that is not a JSON object with a boolean "active", or whose
// registered claims have the wrong type, is a technical failure.
func (a *Authenticator) decide(body []byte) (*entry, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var c map[string]any
	if err := dec.Decode(&c); err != nil || c == nil {
		return nil, fmt.Errorf("%w: response is not a JSON object", ErrUnavailable)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the response object", ErrUnavailable)
	}
	now := a.now()
	refuse := func(err error) (*entry, error) {
		return &entry{err: err, until: now.Add(a.negTTL)}, nil
	}
	active, ok := c["active"].(bool)
	if !ok {
		return nil, fmt.Errorf(`%w: "active" missing or not a boolean`, ErrUnavailable)
	}
	if !active {
		return refuse(errInactive)
	}
	exp, hasExp, err := numericDate(c, "exp")
	if err != nil {
		return nil, err
	}
	if hasExp && !now.Before(exp) {
		return refuse(errExpired)
	}
	nbf, hasNbf, err := numericDate(c, "nbf")
	if err != nil {
		return nil, err
	}
	if hasNbf && now.Before(nbf) {
		return refuse(errNotYetValid)
	}
	if tt, _ := c["token_type"].(string); strings.EqualFold(tt, "refresh_token") {
		return refuse(errNotAccess)
	}
	iss, _ := c["iss"].(string)
	if a.issuer != "" && iss != a.issuer {
		return refuse(errWrongIssuer)
	}
	if len(a.audience) > 0 && !audienceMatches(c["aud"], a.audience) {
		return refuse(errWrongAudience)
	}
	sub, _ := lookupString(a.subject, c)
	if sub == "" {
		sub, _ = c["client_id"].(string) // client-credentials tokens name the client
	}
	if sub == "" {
		return refuse(errNoSubject)
	}
	p := &rampart.Principal{Subject: sub, Method: Method, Issuer: iss, Claims: c}
	if v, ok := a.roles.Lookup(c); ok {
		p.Roles = claims.Strings(v)
	}
	if v, ok := a.scopes.Lookup(c); ok {
		p.Scopes = claims.Strings(v)
	}
	if !a.tenant.IsZero() {
		p.Tenant, _ = lookupString(a.tenant, c)
	}
	until := now.Add(a.ttl)
	if hasExp && exp.Before(until) {
		until = exp
	}
	return &entry{principal: p, until: until}, nil
}

func lookupString(p claims.Path, c map[string]any) (string, bool) {
	v, ok := p.Lookup(c)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

// numericDate reads an RFC 7519 NumericDate claim (seconds, possibly
// fractional).
func numericDate(c map[string]any, name string) (time.Time, bool, error) {
	v, ok := c[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false, fmt.Errorf("%w: %q is not a number", ErrUnavailable, name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1<<40 {
		return time.Time{}, false, fmt.Errorf("%w: %q is out of range", ErrUnavailable, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// audienceMatches reports whether aud (a string or an array of strings)
// holds any of want.
func audienceMatches(aud any, want []string) bool {
	has := func(s string) bool {
		for _, w := range want {
			if s == w {
				return true
			}
		}
		return false
	}
	switch aud := aud.(type) {
	case string:
		return has(aud)
	case []any:
		for _, v := range aud {
			if s, ok := v.(string); ok && has(s) {
				return true
			}
		}
	}
	return false
}
