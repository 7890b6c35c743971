package jwt

import (
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/rampart-api/rampart"
)

func TestAttacks(t *testing.T) {
	k1 := mustECKey(t)
	attacker := mustECKey(t)
	rsaKey, rsaPEM := rsaPublicPEM(t)
	a, err := New(Config{
		Now: clock,
		Issuers: []IssuerConfig{
			{Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"ES256"},
				JWKSFile: writeFile(t, "jwks.json", jwksJSON(t, map[string]*ecdsa.PrivateKey{"k1": k1})), Leeway: 30 * time.Second},
			{Issuer: "https://rsa.example.com/", Audience: []string{testAudience}, Algorithms: []string{"RS256"}, PublicKeyPEM: rsaPEM},
			{Issuer: "https://typed.example.com/", Audience: []string{testAudience}, Algorithms: []string{"ES256"},
				JWKSFile: writeFile(t, "jwks2.json", jwksJSON(t, map[string]*ecdsa.PrivateKey{"k1": k1})), Type: "at+jwt"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	es := func(hdr map[string]any, mut func(gjwt.MapClaims)) string {
		cl := validClaims()
		if mut != nil {
			mut(cl)
		}
		if hdr == nil {
			hdr = map[string]any{}
		}
		if _, ok := hdr["kid"]; !ok {
			hdr["kid"] = "k1"
		}
		return mint(t, gjwt.SigningMethodES256, k1, hdr, cl)
	}
	var attackerSet struct{ Keys []map[string]any }
	if err := json.Unmarshal(jwksJSON(t, map[string]*ecdsa.PrivateKey{"k1": attacker}), &attackerSet); err != nil {
		t.Fatal(err)
	}
	attackerJWK := attackerSet.Keys[0]
	valid := es(nil, nil)
	parts := strings.Split(valid, ".")
	payload := parts[1]
	rsaClaims := validClaims()
	rsaClaims["iss"] = "https://rsa.example.com/"
	typedClaims := validClaims()
	typedClaims["iss"] = "https://typed.example.com/"

	tests := []struct {
		name string
		tok  string
		want error // nil: accepted
	}{
		{"valid ES256", valid, nil},
		{"valid RS256", mint(t, gjwt.SigningMethodRS256, rsaKey, nil, rsaClaims), nil},
		{"alg none, no signature", b64(`{"alg":"none","kid":"k1"}`) + "." + payload + ".", ErrMalformed},
		{"alg none with a signature", b64(`{"alg":"none","kid":"k1"}`) + "." + payload + "." + parts[2], ErrAlgorithmNotAllowed},
		{"alg None", b64(`{"alg":"None","kid":"k1"}`) + "." + payload + "." + parts[2], ErrAlgorithmNotAllowed},
		{"alg NONE", b64(`{"alg":"NONE","kid":"k1"}`) + "." + payload + "." + parts[2], ErrAlgorithmNotAllowed},
		{"stripped signature", parts[0] + "." + parts[1] + ".", ErrMalformed},
		{"stripped signature and dot", parts[0] + "." + parts[1], ErrMalformed},
		{"RS256 to HS256 with the public key as secret", mint(t, gjwt.SigningMethodHS256, rsaPEM, nil, rsaClaims), ErrAlgorithmNotAllowed},
		{"ES256 key confusion to HS256", mint(t, gjwt.SigningMethodHS256, []byte("k1"), map[string]any{"kid": "k1"}, validClaims()), ErrAlgorithmNotAllowed},
		{"kid path traversal", es(map[string]any{"kid": "../../../../dev/null"}, nil), ErrUnknownKey},
		{"kid SQL injection", es(map[string]any{"kid": "' OR '1'='1"}, nil), ErrUnknownKey},
		{"kid command injection", es(map[string]any{"kid": "k1|rm -rf /"}, nil), ErrUnknownKey},
		{"kid with NUL", es(map[string]any{"kid": "k1\x00"}, nil), ErrUnknownKey},
		{"embedded jwk ignored", mint(t, gjwt.SigningMethodES256, attacker, map[string]any{"kid": "k1", "jwk": attackerJWK}, validClaims()), ErrBadSignature},
		{"jku ignored", mint(t, gjwt.SigningMethodES256, attacker, map[string]any{"kid": "k1", "jku": "https://attacker.example/jwks.json"}, validClaims()), ErrBadSignature},
		{"x5u ignored", mint(t, gjwt.SigningMethodES256, attacker, map[string]any{"kid": "k1", "x5u": "https://attacker.example/cert.pem"}, validClaims()), ErrBadSignature},
		{"signed by another key", mint(t, gjwt.SigningMethodES256, attacker, map[string]any{"kid": "k1"}, validClaims()), ErrBadSignature},
		{"expired beyond leeway", es(nil, func(c gjwt.MapClaims) { c["exp"] = testNow.Add(-time.Minute).Unix() }), ErrExpired},
		{"expired within leeway", es(nil, func(c gjwt.MapClaims) { c["exp"] = testNow.Add(-10 * time.Second).Unix() }), nil},
		{"nbf in the future", es(nil, func(c gjwt.MapClaims) { c["nbf"] = testNow.Add(time.Hour).Unix() }), ErrNotYetValid},
		{"iat in the future", es(nil, func(c gjwt.MapClaims) { c["iat"] = testNow.Add(time.Hour).Unix() }), ErrIssuedInFuture},
		{"no exp", es(nil, func(c gjwt.MapClaims) { delete(c, "exp") }), ErrMissingClaim},
		{"no sub", es(nil, func(c gjwt.MapClaims) { delete(c, "sub") }), ErrMissingClaim},
		{"exp a string", es(nil, func(c gjwt.MapClaims) { c["exp"] = "tomorrow" }), ErrMalformed},
		{"unknown iss", es(nil, func(c gjwt.MapClaims) { c["iss"] = "https://evil.example.com/" }), ErrUnknownIssuer},
		{"iss with trailing space", es(nil, func(c gjwt.MapClaims) { c["iss"] = testIssuer + " " }), ErrUnknownIssuer},
		{"no iss", es(nil, func(c gjwt.MapClaims) { delete(c, "iss") }), ErrUnknownIssuer},
		{"wrong aud", es(nil, func(c gjwt.MapClaims) { c["aud"] = "other-api" }), ErrWrongAudience},
		{"aud list with ours", es(nil, func(c gjwt.MapClaims) { c["aud"] = []string{"other-api", testAudience} }), nil},
		{"no aud", es(nil, func(c gjwt.MapClaims) { delete(c, "aud") }), ErrMissingClaim},
		{"oversized", es(nil, func(c gjwt.MapClaims) { c["pad"] = strings.Repeat("A", DefaultMaxTokenBytes) }), ErrTooLarge},
		{"bad base64 in header", "e@" + valid[2:], ErrMalformed},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], ErrMalformed},
		{"bad base64 in signature", parts[0] + "." + parts[1] + "." + parts[2][:10] + "!" + parts[2][11:], ErrMalformed},
		{"four segments", valid + ".x", ErrMalformed},
		{"high-S twin of a valid token", withS(t, valid, &k1.PublicKey, true), ErrHighS},
		{"padded signature", valid + "==", ErrMalformed},
		{"signature with non-zero trailing bits", parts[0] + "." + parts[1] + "." + trailingBits(parts[2]), ErrMalformed},
		{"DER signature", parts[0] + "." + parts[1] + "." + derSig(t, parts[2]), ErrBadSignature},
		{"signature one byte short", parts[0] + "." + parts[1] + "." + b64sig(t, parts[2], func(b []byte) []byte { return b[1:] }), ErrBadSignature},
		{"JSON serialization", `{"payload":"` + payload + `","signatures":[]}`, ErrMalformed},
		{"duplicate alg in header", b64(`{"alg":"ES256","kid":"k1","alg":"none"}`) + "." + payload + "." + parts[2], ErrMalformed},
		{"duplicate sub in claims", parts[0] + "." + b64(strings.Replace(claimsJSON(t, validClaims()), `"sub":"alice"`, `"sub":"alice","sub":"admin"`, 1)) + "." + parts[2], ErrMalformed},
		{"header not an object", b64(`["ES256"]`) + "." + payload + "." + parts[2], ErrMalformed},
		{"crit header", es(map[string]any{"crit": []string{"exp"}}, nil), ErrMalformed},
		{"payload not JSON", parts[0] + "." + b64("foo") + "." + parts[2], ErrMalformed},
		{"typ required and missing", mint(t, gjwt.SigningMethodES256, k1, map[string]any{"kid": "k1", "typ": "JWT"}, typedClaims), ErrWrongType},
		{"typ at+jwt", mint(t, gjwt.SigningMethodES256, k1, map[string]any{"kid": "k1", "typ": "at+jwt"}, typedClaims), nil},
		{"typ application/AT+JWT", mint(t, gjwt.SigningMethodES256, k1, map[string]any{"kid": "k1", "typ": "application/AT+JWT"}, typedClaims), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Authenticate(bearer(tt.tok))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if p.Subject != "alice" || p.Method != Method {
					t.Fatalf("principal = %+v", p)
				}
				return
			}
			if p != nil {
				t.Fatalf("principal %+v returned with error", p)
			}
			if !errors.Is(err, rampart.ErrInvalidCredentials) || !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want ErrInvalidCredentials and %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "alice") || strings.Contains(err.Error(), tt.tok) {
				t.Fatalf("error %q leaks token contents", err)
			}
		})
	}
}

func TestPrincipal(t *testing.T) {
	k1 := mustECKey(t)
	a, err := New(Config{Now: clock, Issuers: []IssuerConfig{{
		Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"ES256"},
		JWKSFile:   writeFile(t, "jwks.json", jwksJSON(t, map[string]*ecdsa.PrivateKey{"k1": k1})),
		RolesClaim: "realm_access.roles", TenantClaim: "https://example.com/tenant",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	cl := validClaims()
	cl["realm_access"] = map[string]any{"roles": []string{"admin", "user"}}
	cl["https://example.com/tenant"] = "acme"
	delete(cl, "scope")
	cl["scp"] = []string{"notes:read"}
	tok := mint(t, gjwt.SigningMethodES256, k1, map[string]any{"kid": "k1"}, cl)
	for range 2 { // uncached, then cached
		p, err := a.Authenticate(bearer(tok))
		if err != nil {
			t.Fatal(err)
		}
		if p.Subject != "alice" || p.Issuer != testIssuer || p.Tenant != "acme" ||
			!p.HasRole("admin") || !p.HasScopes("notes:read") || p.HasScopes("notes:write") {
			t.Fatalf("principal = %+v", p)
		}
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		cookie  string
		query   string
		want    error
		wantTok string
		wantB64 bool // the token's characters are still to be checked
	}{
		{name: "bearer", headers: []string{"Bearer a.b.c"}, wantTok: "a.b.c", wantB64: true},
		{name: "lower-case scheme", headers: []string{"bearer a.b.c"}, wantTok: "a.b.c", wantB64: true},
		{name: "upper-case scheme, two spaces", headers: []string{"BEARER  a.b.c"}, wantTok: "a.b.c", wantB64: true},
		{name: "characters outside b64token, checked by verify", headers: []string{"Bearer a!b<c"}, wantTok: "a!b<c", wantB64: true},
		{name: "no credentials", want: rampart.ErrNoCredentials},
		{name: "basic is someone else's", headers: []string{"Basic YWxpY2U6cw=="}, want: rampart.ErrNoCredentials},
		{name: "bearerx is another scheme", headers: []string{"Bearerx a.b.c"}, want: rampart.ErrNoCredentials},
		{name: "bearer without token", headers: []string{"Bearer"}, want: ErrMalformed},
		{name: "bearer with spaces only", headers: []string{"Bearer    "}, want: ErrMalformed},
		{name: "two authorization headers", headers: []string{"Bearer a.b.c", "Bearer d.e.f"}, want: ErrMalformed},
		{name: "query string never read", query: "?access_token=a.b.c", want: rampart.ErrNoCredentials},
		{name: "cookie", cookie: "a.b.c", wantTok: "a.b.c"},
		{name: "header wins over cookie", headers: []string{"Bearer a.b.c"}, cookie: "d.e.f", wantTok: "a.b.c", wantB64: true},
		{name: "oversized", headers: []string{"Bearer " + strings.Repeat("a", 65)}, want: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/x"+tt.query, nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "session", Value: tt.cookie})
			}
			tok, b64, err := (&Authenticator{header: "Authorization", cookie: "session", maxBytes: 64}).extract(r)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil || tok != tt.wantTok || b64 != tt.wantB64 {
				t.Fatalf("extract = %q, %v, %v; want %q, %v", tok, b64, err, tt.wantTok, tt.wantB64)
			}
		})
	}
}

func TestExtractRawToken(t *testing.T) {
	a, err := New(Config{Scheme: SchemeNone, Header: "x-access-token", Cookie: "session", MaxTokenBytes: 64,
		Issuers: []IssuerConfig{{Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"HS256"}, Secret: []byte(strings.Repeat("s", 32))}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		header  string
		values  []string
		cookie  string
		want    error
		wantTok string
	}{
		{name: "bare token", header: "X-Access-Token", values: []string{"a.b.c"}, wantTok: "a.b.c"},
		{name: "surrounding blanks trimmed", header: "X-Access-Token", values: []string{" a.b.c\t"}, wantTok: "a.b.c"},
		{name: "a Bearer prefix is part of the value", header: "X-Access-Token", values: []string{"Bearer a.b.c"}, wantTok: "Bearer a.b.c"},
		{name: "Authorization is not this header", header: "Authorization", values: []string{"Bearer a.b.c"}, want: rampart.ErrNoCredentials},
		{name: "two headers", header: "X-Access-Token", values: []string{"a.b.c", "d.e.f"}, want: ErrMalformed},
		{name: "empty header falls back to the cookie", header: "X-Access-Token", values: []string{" "}, cookie: "d.e.f", wantTok: "d.e.f"},
		{name: "empty header, no cookie", header: "X-Access-Token", values: []string{""}, want: rampart.ErrNoCredentials},
		{name: "oversized", header: "X-Access-Token", values: []string{strings.Repeat("a", 65)}, want: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/x", nil)
			for _, v := range tt.values {
				r.Header.Add(tt.header, v)
			}
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "session", Value: tt.cookie})
			}
			tok, b64, err := a.extract(r)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil || tok != tt.wantTok || b64 {
				t.Fatalf("extract = %q, %v, %v; want %q, false", tok, b64, err, tt.wantTok)
			}
		})
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"Bearer a.b.c", "bearer a.b.c", "BEARER  a.b.c", "Basic x", "Bearer", "Bearer    ", "Bearerx a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Authorization"] = []string{h}
		tok, b64, err := (&Authenticator{header: "Authorization", maxBytes: 64}).extract(r)
		if err != nil {
			if tok != "" || b64 {
				t.Fatal("token returned with an error")
			}
			if !errors.Is(err, rampart.ErrNoCredentials) && !errors.Is(err, rampart.ErrInvalidCredentials) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if tok == "" || len(tok) > 64 || !strings.HasSuffix(h, tok) || !strings.EqualFold(h[:6], "bearer") || !b64 {
			t.Fatalf("extract(%q) = %q, %v", h, tok, b64)
		}
	})
}

func FuzzParseCompact(f *testing.F) {
	k := mustECKey(f)
	valid := mint(f, gjwt.SigningMethodES256, k, map[string]any{"kid": "k1"}, validClaims())
	for _, s := range []string{valid, valid + ".", "a.b.c", "..", "", b64(`{"alg":"ES256","alg":"none"}`) + ".e30.AA", "e30.e30.e30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseCompact(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if p.header.Alg == "" || !strings.HasPrefix(s, p.signingString+".") || len(p.signature) == 0 {
			t.Fatalf("parseCompact(%q) = %+v", s, p)
		}
	})
}

// trailingBits sets the unused low bits of the last character of an
// unpadded base64url segment: a lenient decoder yields the same bytes.
func trailingBits(seg string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alphabet[last|1])
}

// b64sig decodes a signature segment, changes it and encodes it again.
func b64sig(t testing.TB, seg string, f func([]byte) []byte) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(f(b))
}

// derSig re-encodes a JWS ECDSA signature (R||S) as ASN.1 DER, the form
// crypto/ecdsa.SignASN1 produces and JWS does not allow.
func derSig(t testing.TB, seg string) string {
	return b64sig(t, seg, func(b []byte) []byte {
		var sig struct{ R, S *big.Int }
		sig.R, sig.S = new(big.Int).SetBytes(b[:len(b)/2]), new(big.Int).SetBytes(b[len(b)/2:])
		der, err := asn1.Marshal(sig)
		if err != nil {
			t.Fatal(err)
		}
		return der
	})
}

// The high-S twin is a real second signature: golang-jwt alone accepts it.
// The authenticator refuses it, with a reason of its own, even after the
// low-S original was cached.
func TestHighSTwin(t *testing.T) {
	k := mustECKey(t)
	a, err := New(Config{Now: clock, Issuers: []IssuerConfig{{Issuer: testIssuer, Audience: []string{testAudience},
		Algorithms: []string{"ES256"}, JWKSFile: writeFile(t, "jwks.json", jwksJSON(t, map[string]*ecdsa.PrivateKey{"k1": k}))}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	low := mint(t, gjwt.SigningMethodES256, k, map[string]any{"kid": "k1"}, validClaims())
	high := withS(t, low, &k.PublicKey, true)
	if high == low {
		t.Fatal("no twin made")
	}
	i := strings.LastIndexByte(high, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(high[i+1:])
	if err := gjwt.SigningMethodES256.Verify(high[:i], sig, &k.PublicKey); err != nil {
		t.Fatalf("the twin does not verify in golang-jwt, so the test proves nothing: %v", err)
	}
	if _, err := a.Authenticate(bearer(low)); err != nil {
		t.Fatalf("low-S original refused: %v", err)
	}
	if _, err := a.Authenticate(bearer(high)); !errors.Is(err, ErrHighS) {
		t.Fatalf("high-S twin: %v, want ErrHighS", err)
	}
}
func FuzzExtractRaw(f *testing.F) {
	for _, s := range []string{"a.b.c", " a.b.c ", "Bearer a.b.c", "", " ", "\t", strings.Repeat("a", 65)} {
		f.Add(s)
	}
	a := &Authenticator{header: "X-Access-Token", rawToken: true, maxBytes: 64}
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["X-Access-Token"] = []string{h}
		tok, b64, err := a.extract(r)
		if b64 {
			t.Fatalf("extract(%q): a raw token's characters are any", h)
		}
		if err != nil {
			if tok != "" || !errors.Is(err, rampart.ErrNoCredentials) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("extract(%q) = %q, %v", h, tok, err)
			}
			return
		}
		if tok == "" || len(tok) > 64 || !strings.Contains(h, tok) || strings.Trim(tok, " \t") != tok {
			t.Fatalf("extract(%q) = %q", h, tok)
		}
	})
}

// lowS never panics and accepts only signatures of the curve's length
// whose S is at most N/2.
func FuzzLowS(f *testing.F) {
	k := mustECKey(f)
	f.Add(make([]byte, 64))
	f.Add([]byte{1})
	f.Add(append(make([]byte, 32), k.Params().N.Bytes()...))
	f.Fuzz(func(t *testing.T, sig []byte) {
		ok := lowS(&k.PublicKey, sig)
		if ok && (len(sig) != 64 || new(big.Int).SetBytes(sig[32:]).Cmp(new(big.Int).Rsh(k.Params().N, 1)) > 0) {
			t.Fatalf("accepted %x", sig)
		}
	})
}
