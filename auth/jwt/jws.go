package jwt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// header holds the JOSE header parameters Rampart reads. jku, x5u, x5c and
// jwk are deliberately absent: a key named or embedded by the token itself
// is chosen by the attacker, so they are never looked at.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
}

// parsed is a compact JWS split and decoded, not yet verified.
type parsed struct {
	header        header
	signingString string
	payload       []byte
	signature     []byte
}

// parseCompact splits and decodes a JWS in compact serialization (RFC 7515
// section 7.1). It is strict where lenient parsers have been exploited:
// exactly three segments; unpadded base64url only (no padding, whitespace or
// stray characters, no non-zero trailing bits); a header that is a JSON
// object without duplicate names, with a string "alg" and no "crit"
// (Rampart understands no extension, so RFC 7515 section 4.1.11 requires
// refusal). It trusts nothing and verifies nothing; it is safe for
// concurrent use.
func parseCompact(tok string) (*parsed, error) {
	h, rest, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, ErrMalformed
	}
	p, s, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(s, ".") || h == "" || s == "" {
		return nil, ErrMalformed
	}
	hb, err := decodeSegment(h)
	if err != nil {
		return nil, ErrMalformed
	}
	if err := checkObject(hb); err != nil {
		return nil, err
	}
	out := &parsed{signingString: tok[:len(h)+1+len(p)]}
	if err := json.Unmarshal(hb, &out.header); err != nil {
		return nil, ErrMalformed
	}
	if out.header.Alg == "" {
		return nil, ErrMalformed
	}
	if out.header.Crit != nil {
		return nil, ErrMalformed
	}
	if out.payload, err = decodeSegment(p); err != nil {
		return nil, ErrMalformed
	}
	if out.signature, err = decodeSegment(s); err != nil {
		return nil, ErrMalformed
	}
	return out, nil
}

var strictB64 = base64.RawURLEncoding.Strict()

func decodeSegment(s string) ([]byte, error) {
	// Decode skips \r and \n even in strict mode; a token has neither.
	if strings.ContainsAny(s, "\r\n") {
		return nil, ErrMalformed
	}
	return strictB64.DecodeString(s)
}

// checkObject reports whether b is one JSON object whose top-level member
// names are unique. Parsers disagree on which duplicate wins (encoding/json
// keeps the last, others the first), so a token with duplicates could mean
// one thing to Rampart and another to the upstream: refuse it.
func checkObject(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil || t != json.Delim('{') {
		return ErrMalformed
	}
	seen := make(map[string]struct{}, 8)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ErrMalformed
		}
		name, ok := t.(string)
		if !ok {
			return ErrMalformed
		}
		if _, dup := seen[name]; dup {
			return ErrMalformed
		}
		seen[name] = struct{}{}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ErrMalformed
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return ErrMalformed
	}
	if _, err := dec.Token(); err == nil {
		return ErrMalformed // trailing data after the object
	}
	return nil
}
