package scan

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Placement says where a request carries a token: a header, with or
// without a scheme word, or a cookie.
type Placement struct {
	// Header is the header name, "Authorization" when empty and Cookie is
	// not set.
	Header string
	// Scheme is the word before the token, "Bearer"; empty sends the raw
	// token.
	Scheme string
	// Cookie, when set, sends the token as this cookie instead of a header.
	Cookie string
}

// String renders the placement with TOKEN for the token,
// "Authorization: Bearer TOKEN" or "Cookie: token=TOKEN".
func (p Placement) String() string { return p.render("TOKEN") }

func (p Placement) render(tok string) string {
	if p.Cookie != "" {
		return "Cookie: " + p.Cookie + "=" + tok
	}
	h := p.Header
	if h == "" {
		h = "Authorization"
	}
	if p.Scheme != "" {
		return h + ": " + p.Scheme + " " + tok
	}
	return h + ": " + tok
}

// apply puts tok into h.
func (p Placement) apply(h http.Header, tok string) {
	if p.Cookie != "" {
		c := p.Cookie + "=" + tok
		if old := h.Get("Cookie"); old != "" {
			c = old + "; " + c
		}
		h.Set("Cookie", c)
		return
	}
	v := tok
	if p.Scheme != "" {
		v = p.Scheme + " " + tok
	}
	name := p.Header
	if name == "" {
		name = "Authorization"
	}
	h.Set(name, v)
}

// bearer is the placement tried first and used when none can be learnt.
var bearer = Placement{Header: "Authorization", Scheme: "Bearer"}

// candidatePlacements are the ways APIs commonly take a token, tried in
// order when the placement is not given.
var candidatePlacements = []Placement{
	bearer,
	{Header: "Authorization"},
	{Header: "Authorization", Scheme: "Token"},
	{Header: "Authorization", Scheme: "JWT"},
	{Header: "X-Access-Token"},
	{Header: "X-Auth-Token"},
	{Header: "X-API-Key"},
	{Header: "X-Token"},
	{Cookie: "token"},
	{Cookie: "jwt"},
	{Cookie: "access_token"},
	{Cookie: "auth"},
	{Cookie: "session"},
}

// Identity is a caller the scanner can act as. Its token is sent only to
// the target and is masked in every report.
type Identity struct {
	Name string
	// Authorization is the credential as given, e.g. "Bearer eyJ…" or
	// "ApiKey k".
	Authorization string
	// Token is the credential without its scheme.
	Token string
	// Place, when set, is where this identity's token goes; nil uses the
	// scan's placement (given or learnt).
	Place *Placement
	// Admin marks an identity allowed to call admin operations; BFLA
	// probes act as the others. ParseIdentity sets it when the name
	// contains "admin" or the token's payload carries an admin role.
	Admin bool

	// claims are the token's unverified payload: used only to pick ids and
	// roles for probes, never written to a report.
	claims map[string]any
	// cracked is the HMAC secret found by the weak-secret check, used
	// only to sign test tokens and never reported.
	cracked    []byte
	crackedAlg string
	// learnt are ids read from me-style responses to this identity.
	learnt []string
}

// ParseIdentity parses "NAME=TOKEN". TOKEN is either a raw token, sent the
// way the scan's placement says (given, or learnt from the API), or a full
// Authorization value with its scheme ("ApiKey x"), sent as it is;
// "Bearer x" counts as the raw token x, so the placement is still learnt.
func ParseIdentity(s string) (Identity, error) {
	name, tok, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	tok = strings.TrimSpace(tok)
	if !ok || name == "" || tok == "" || strings.EqualFold(tok, "bearer") {
		return Identity{}, fmt.Errorf("%w: want NAME=TOKEN", ErrInvalidIdentity)
	}
	if strings.ContainsAny(tok, "\r\n") || strings.ContainsAny(name, " \t\r\n") {
		return Identity{}, fmt.Errorf("%w: %q has a space or line break in its name or token", ErrInvalidIdentity, name)
	}
	id := Identity{Name: name}
	if scheme, cred, ok := strings.Cut(tok, " "); ok {
		cred = strings.TrimSpace(cred)
		if cred == "" || scheme == "" {
			return Identity{}, fmt.Errorf("%w: %q has an empty credential", ErrInvalidIdentity, name)
		}
		id.Authorization, id.Token = scheme+" "+cred, cred
		if !strings.EqualFold(scheme, "bearer") {
			id.Place = &Placement{Header: "Authorization", Scheme: scheme}
		}
	} else {
		id.Authorization, id.Token = "Bearer "+tok, tok
	}
	id.claims = jwtPayload(id.Token)
	id.Admin = strings.Contains(strings.ToLower(name), "admin") || claimsAdmin(id.claims)
	return id, nil
}

// jwtPayload decodes a JWT's payload without verifying it, or returns nil.
func jwtPayload(tok string) map[string]any {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

func jwtHeader(tok string) map[string]any {
	h, _, ok := strings.Cut(tok, ".")
	if !ok {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(h, "="))
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

func claimsAdmin(c map[string]any) bool {
	admin := false
	walkJSON(c, 0, func(k string, v any) {
		switch normKey(k) {
		case "role", "roles", "groups", "scope", "scopes", "permissions", "authorities":
			switch v := v.(type) {
			case string:
				for f := range strings.FieldsSeq(strings.ReplaceAll(v, ",", " ")) {
					if strings.EqualFold(f, "admin") {
						admin = true
					}
				}
			case []any:
				for _, e := range v {
					if s, ok := e.(string); ok && strings.EqualFold(s, "admin") {
						admin = true
					}
				}
			}
		case "admin", "isadmin":
			if b, ok := v.(bool); ok && b {
				admin = true
			}
		}
	})
	return admin
}

// idKeys are the member names, normalised by normKey, that carry a
// caller's own ids in a token payload or a me-style response.
var idKeys = map[string]bool{"sub": true, "id": true, "_id": true, "uid": true, "uuid": true, "userid": true, "user": true,
	"customerid": true, "accountid": true, "memberid": true, "ownerid": true, "bid": true, "basketid": true, "cartid": true,
	"username": true, "login": true, "email": true, "mail": true, "umail": true, "preferredusername": true}

// idLike reports whether a folded member name carries an id: one of
// idKeys, or any name ending in "id" (patient_id, accountId) but the
// token header's and session ids.
func idLike(nk string) bool {
	if idKeys[nk] {
		return true
	}
	switch nk {
	case "kid", "sid", "jti", "sessionid", "requestid", "traceid", "correlationid":
		return false
	}
	return len(nk) > 3 && strings.HasSuffix(nk, "id")
}

// normKey folds a member name for comparison: UserId, user_id and userId
// are one key.
func normKey(k string) string {
	k = strings.ToLower(k)
	if k == "_id" {
		return k
	}
	return strings.NewReplacer("_", "", "-", "").Replace(k)
}

// idValues collects the scalar values of id-like members of v at any
// depth (skipping arrays: a list holds other objects, not the caller).
func idValues(v any, depth int, out *[]string) {
	m, ok := v.(map[string]any)
	if !ok || depth > 4 {
		return
	}
	for k, val := range m {
		switch x := val.(type) {
		case map[string]any:
			idValues(x, depth+1, out)
		case string:
			if idLike(normKey(k)) && x != "" && len(x) <= 128 {
				*out = append(*out, x)
			}
		case float64:
			if idLike(normKey(k)) {
				*out = append(*out, fmt.Sprint(x))
			}
		}
	}
}

// claimValues returns the scalar claim values under a member whose
// folded name is key, at any depth: the tenant claim for a {tenant}
// parameter.
func (id *Identity) claimValues(key string) []string {
	if key == "" {
		return nil
	}
	var out []string
	walkJSON(id.claims, 0, func(k string, v any) {
		if normKey(k) != key {
			return
		}
		switch x := v.(type) {
		case string:
			if x != "" && len(x) <= 128 && !slices.Contains(out, x) {
				out = append(out, x)
			}
		case float64:
			out = append(out, fmt.Sprint(x))
		}
	})
	return out
}

// marks returns the values that tie an object to this identity: its
// subject, ids, user name and e-mail from the token payload at any depth,
// and ids learnt from me-style responses.
func (id *Identity) marks() []string {
	var out []string
	idValues(id.claims, 0, &out)
	for _, v := range id.learnt {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
