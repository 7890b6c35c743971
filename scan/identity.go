package scan

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Identity is a caller the scanner can act as. Its token is sent only to
// the target and is masked in every report.
type Identity struct {
	Name string
	// Authorization is the header value sent, e.g. "Bearer eyJ…".
	Authorization string
	// Token is the credential without its scheme.
	Token string
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
}

// ParseIdentity parses "NAME=TOKEN". TOKEN is either a raw token, sent as
// "Bearer TOKEN", or a full header value with its scheme ("Bearer x",
// "ApiKey x"), sent as it is.
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
	for _, k := range []string{"role", "roles", "groups", "scope", "permissions"} {
		switch v := c[k].(type) {
		case string:
			for f := range strings.FieldsSeq(strings.ReplaceAll(v, ",", " ")) {
				if strings.EqualFold(f, "admin") {
					return true
				}
			}
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok && strings.EqualFold(s, "admin") {
					return true
				}
			}
		}
	}
	if b, ok := c["admin"].(bool); ok && b {
		return true
	}
	if b, ok := c["isAdmin"].(bool); ok && b {
		return true
	}
	return false
}

// marks returns the values that tie an object to this identity: its
// subject, user id, user name and e-mail from the token payload.
func (id *Identity) marks() []string {
	var out []string
	for _, k := range []string{"sub", "id", "uid", "user_id", "userId", "username", "email", "preferred_username"} {
		switch v := id.claims[k].(type) {
		case string:
			if v != "" {
				out = append(out, v)
			}
		case float64:
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}
