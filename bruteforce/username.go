package bruteforce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/url"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// NormalizeUsername folds the spellings of one username together, so that
// "Alice", "ALICE" and "Ａｌｉｃｅ" (fullwidth) share one failure counter:
// surrounding space is trimmed, then NFKC, lower case, and NFKC again
// (lower-casing can denormalise).
func NormalizeUsername(s string) string {
	return norm.NFKC.String(strings.ToLower(norm.NFKC.String(strings.TrimSpace(s))))
}

// usernameFrom extracts the username field from a complete body: a
// top-level JSON string member, or a form field. It trusts nothing in the
// body; anything else yields "".
func usernameFrom(contentType string, body []byte, field string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return ""
		}
		var s string
		if raw, ok := m[field]; !ok || json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return s
	case mt == "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(bytes.TrimSpace(body)))
		if err != nil && len(v) == 0 {
			return ""
		}
		return v.Get(field)
	}
	return ""
}

// hashKey returns a compact digest of v: HMAC-SHA-256 under secret when
// one is set (so that store contents cannot be checked against a list of
// likely usernames), plain SHA-256 otherwise; 128 bits, base64url.
func hashKey(secret []byte, v string) string {
	var sum []byte
	if len(secret) > 0 {
		h := hmac.New(sha256.New, secret)
		h.Write([]byte(v))
		sum = h.Sum(nil)
	} else {
		s := sha256.Sum256([]byte(v))
		sum = s[:]
	}
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
