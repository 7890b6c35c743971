package gateway_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/auth/jwt"
)

// highTwin returns tok with its ES256 signature's S replaced by N-S: the
// same token under a second string, which crypto/ecdsa also verifies.
func highTwin(t *testing.T, tok string, k *ecdsa.PrivateKey) string {
	t.Helper()
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	n := k.Params().N
	s := new(big.Int).SetBytes(sig[32:])
	if s.Cmp(new(big.Int).Rsh(n, 1)) > 0 {
		t.Fatal("devtoken minted a high-S token")
	}
	s.Sub(n, s).FillBytes(sig[32:])
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// One key, two issuers: a high-S twin is refused for the issuer without
// dangerously_accept_high_s, with a reason telling the operator what to
// do and nothing from the token, and accepted as the same principal for
// the issuer with it.
func TestHighSSignatures(t *testing.T) {
	k, jwks := es256Key(t)
	f := newFixture(t, `  - {path: /me, upstream: app, auth: jwt}
auth:
  jwt:
    issuers:
      - {issuer: "https://strict.invalid/", audience: [api], algorithms: [ES256], jwks_file: `+jwks+`}
      - {issuer: "https://lenient.invalid/", audience: [api], algorithms: [ES256], jwks_file: `+jwks+`, dangerously_accept_high_s: true}
`)
	mint := func(iss, sub string) (low, high string) {
		low, err := devtoken.Mint(devtoken.MintConfig{Key: k, Issuer: iss, Subject: sub, Audience: []string{"api"}})
		if err != nil {
			t.Fatal(err)
		}
		return low, highTwin(t, low, k.Private.(*ecdsa.PrivateKey))
	}
	strictLow, strictHigh := mint("https://strict.invalid/", "alice")
	lenientLow, lenientHigh := mint("https://lenient.invalid/", "bob")
	for _, tt := range []struct {
		name, tok, subject string
		status             int
	}{
		{"strict, low-S", strictLow, "alice", 200},
		{"strict, high-S twin", strictHigh, "", 401},
		{"lenient, low-S", lenientLow, "bob", 200},
		{"lenient, high-S twin", lenientHigh, "bob", 200},
		{"lenient, high-S twin again", lenientHigh, "bob", 200},
	} {
		f.events.Reset()
		r := httptest.NewRequest(http.MethodGet, "/me", nil)
		r.Header.Set("Authorization", "Bearer "+tt.tok)
		w := f.do(r)
		if tt.status != 200 {
			checkProblem(t, w, tt.status)
			var ev map[string]any
			if err := json.Unmarshal(f.events.Bytes(), &ev); err != nil {
				t.Fatalf("%s: events %q: %v", tt.name, f.events, err)
			}
			if ev["event"] != audit.AuthFailed || ev["owasp"] != audit.OWASPAuth || ev["reason"] != jwt.ErrHighS.Error() {
				t.Fatalf("%s: event %v", tt.name, ev)
			}
			for _, part := range strings.Split(tt.tok, ".") {
				if strings.Contains(f.events.String(), part) || strings.Contains(w.Body.String(), part) {
					t.Fatalf("%s: token segment %q echoed", tt.name, part)
				}
			}
			if strings.Contains(f.events.String(), "alice") || strings.Contains(w.Body.String(), "dangerously") {
				t.Fatalf("%s: event %s, body %s", tt.name, f.events, w.Body)
			}
			continue
		}
		if w.Code != tt.status {
			t.Fatalf("%s: status %d, body %s", tt.name, w.Code, w.Body)
		}
		if got := f.up.last().Header.Get("X-Rampart-Subject"); got != tt.subject {
			t.Fatalf("%s: upstream subject %q, want %q", tt.name, got, tt.subject)
		}
	}
}
