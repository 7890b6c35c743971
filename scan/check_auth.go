package scan

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/internal/lazyregexp"
)

// weakSecrets are HMAC secrets found in tutorials, defaults and leaks.
// A token signed with one is forgeable by anyone.
var weakSecrets = []string{
	"secret", "Secret", "SECRET", "secret123", "secretkey", "secret-key", "secret_key", "mysecret", "my-secret", "my_secret",
	"supersecret", "super-secret", "supersecretkey", "topsecret", "s3cr3t", "shhhhh", "shhh", "password", "password123",
	"changeme", "changeit", "change-me", "default", "key", "jwt", "jwt-secret", "jwt_secret", "jwtsecret", "JWT_SECRET",
	"your-256-bit-secret", "your-secret-key", "your_jwt_secret", "your-jwt-secret", "yoursecret", "token", "tokensecret",
	"test", "testing", "dev", "development", "admin", "qwerty", "123456", "12345678", "letmein", "keyboard cat",
	"hello", "abc123", "private", "access", "auth", "authsecret", "app-secret", "appsecret", "demo", "demo-secret",
	"node", "express", "nodejs", "api", "apisecret", "api-secret", "gsd", "example", "sample",
}

// checkAuth probes authentication: secured operations without
// credentials, the lifetime of the identities' tokens, forged and altered
// tokens in every place the API accepted the real one, key confusion with
// every public key found, test tokens with the wrong audience or issuer,
// and tokens in the query.
func (r *run) checkAuth(ctx context.Context) {
	for _, o := range r.ops {
		if !o.Secured || (isWrite(o.Method) && !r.unsafe) || (len(o.Params) > 0 && len(o.sampleIDs()) == 0) {
			continue
		}
		ex, err := r.send(ctx, &probe{Method: o.Method, Path: r.concrete(o), Op: o.String()})
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		if ex.ok() {
			r.addEx(CheckAuthMissing, o.String(), "The document requires credentials here, but the operation answered "+http.StatusText(ex.Status)+" without any.", ex)
		}
	}
	for _, id := range r.cfg.Identities {
		r.tokenLifetime(id.Token, id.claims, "token of identity "+id.Name, Evidence{Request: "(token payload of identity " + id.Name + ")"})
	}
	t := r.auth.target
	if t == nil {
		if len(r.cfg.Identities) > 0 {
			r.skipf("token forgery (alg none, signatures, key confusion, claims): no GET operation refused anonymous callers and accepted an identity")
		}
		return
	}
	tok := t.id.Token
	parts := strings.Split(tok, ".")
	// accepted sends forged in every place the API took the real token
	// and reports the places that accepted it.
	accepted := func(check, detail, forged string, query bool) bool {
		var ok []string
		var first *exchange
		places := r.auth.accepted
		if query {
			places = places[:1]
		}
		for _, pl := range places {
			p := &probe{Method: http.MethodGet, Path: t.path, Op: t.op.String(), Token: forged, Place: &pl}
			if query {
				sep := "?"
				if strings.Contains(p.Path, "?") {
					sep = "&"
				}
				p.Path += sep + "access_token=" + url.QueryEscape(forged)
				p.Token = ""
			}
			ex, err := r.send(ctx, p)
			if err != nil || !ex.ok() || r.base.matches(ex) {
				continue
			}
			if first == nil {
				first = ex
			}
			ok = append(ok, pl.render("…"))
			if check == "" {
				break
			}
		}
		if first == nil {
			return false
		}
		if check != "" {
			d := detail
			if !query && len(r.auth.accepted) > 1 {
				d += " Accepted as " + strings.Join(ok, "; ") + "."
			}
			r.add(check, t.op.String(), d, first.evidence(append(r.secrets(), forged)...))
		}
		return true
	}
	accepted(CheckAuthQueryToken, "A valid token in the access_token query parameter was accepted; URLs end up in logs, history and Referer headers.", tok, true)
	if len(parts) != 3 {
		return
	}
	claims := jwt.MapClaims(maps.Clone(t.id.claims))
	if claims == nil {
		claims = jwt.MapClaims{}
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil && exp.Before(r.cfg.Now()) {
		accepted(CheckAuthExpired, "The identity's own token expired at "+exp.UTC().Format(time.RFC3339)+" and was still accepted.", tok, false)
	}
	if none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType); err == nil {
		if !accepted(CheckAuthAlgNone, "A token with alg \"none\" and no signature was accepted.", none, false) {
			// Some verifiers only skip the signature for a capitalised alg.
			h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"None","typ":"JWT"}`))
			accepted(CheckAuthAlgNone, "A token with alg \"None\" and no signature was accepted.", h+"."+parts[1]+".", false)
		}
	}
	if !accepted(CheckAuthSignature, "The token with its signature removed was accepted.", parts[0]+"."+parts[1]+".", false) {
		accepted(CheckAuthSignature, "The token with an altered signature was accepted.", parts[0]+"."+parts[1]+"."+alterSig(parts[2]), false)
	}
	hdr := jwtHeader(tok)
	alg, _ := hdr["alg"].(string)
	kid, _ := hdr["kid"].(string)
	if strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS") || strings.HasPrefix(alg, "ES") {
		for _, pemKey := range r.publicPEMs(ctx) {
			forged := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
			if kid != "" {
				forged.Header["kid"] = kid
			}
			s, err := forged.SignedString(pemKey)
			if err == nil && accepted(CheckAuthKeyConfusion, "A token signed with HS256 using the API's RSA public key as the HMAC secret was accepted.", s, false) {
				break
			}
		}
	}
	r.claimProbes(ctx, t, claims, kid, accepted)
}

// tokenLifetime reports a JWT without exp, or living longer than a day.
// Every token without exp is one root cause, whichever identity or
// operation carried it.
func (r *run) tokenLifetime(tok string, claims map[string]any, where string, ev Evidence) {
	if claims == nil || len(strings.Split(tok, ".")) != 3 {
		return
	}
	c := jwt.MapClaims(claims)
	exp, err := c.GetExpirationTime()
	if err != nil {
		return
	}
	if exp == nil {
		ev.Response = "claims: " + strings.Join(claimNames(claims), ", ") + " (no exp)"
		r.record(CheckAuthNoExpiry, "(tokens)", where, "The "+where+" has no exp claim: it stays valid until the signing key changes.", ev, -1)
		return
	}
	start := r.cfg.Now()
	if iat, err := c.GetIssuedAt(); err == nil && iat != nil {
		start = iat.Time
	}
	if life := exp.Sub(start); life > 24*time.Hour {
		ev.Response = fmt.Sprintf("exp − iat = %s", life.Round(time.Hour))
		r.record(CheckAuthLongLived, "(tokens)", where, fmt.Sprintf("The %s lives %s: a stolen token stays useful for days.", where, life.Round(time.Hour)), ev, -1)
	}
}

func claimNames(c map[string]any) []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// claimProbes signs tokens with a key the API trusts (a cracked secret or
// the --signing-key) and checks exp, aud and iss are enforced. A control
// token with the right claims must be accepted first, or the key is not
// trusted and nothing is concluded.
func (r *run) claimProbes(ctx context.Context, t *authTarget, claims jwt.MapClaims, kid string, accepted func(check, detail, forged string, query bool) bool) {
	now := r.cfg.Now()
	fresh := maps.Clone(claims)
	fresh["exp"] = now.Add(time.Hour).Unix()
	fresh["iat"] = now.Unix()
	var sign func(jwt.MapClaims) (string, error)
	switch {
	case t.id.cracked != nil:
		method := jwt.GetSigningMethod(t.id.crackedAlg)
		sign = func(c jwt.MapClaims) (string, error) { return jwt.NewWithClaims(method, c).SignedString(t.id.cracked) }
		if s, err := sign(fresh); err != nil || !accepted("", "", s, false) {
			sign = nil
		}
	case r.cfg.SigningKey != nil:
		method := signingMethodFor(r.cfg.SigningKey)
		if method == nil {
			return
		}
		// The kid must name the test key, not the identity's: verifiers
		// pick the key by kid, so a test token under the identity
		// provider's kid fails even where the test key is trusted.
		for _, k := range r.signingKids(ctx, kid) {
			try := func(c jwt.MapClaims) (string, error) {
				tk := jwt.NewWithClaims(method, c)
				if k != "" {
					tk.Header["kid"] = k
				}
				s, err := tk.SignedString(r.cfg.SigningKey)
				// Verifiers that refuse malleable signatures would
				// refuse half of crypto/ecdsa's for a reason that has
				// nothing to do with the check.
				return devtoken.LowS(s, r.cfg.SigningKey), err
			}
			if s, err := try(fresh); err == nil && accepted("", "", s, false) {
				sign = try
				break
			}
		}
	default:
		return
	}
	if sign == nil {
		r.notef("authentication: a token signed with the test key was refused; audience, issuer and expiry probes skipped")
		return
	}
	probes := []struct {
		check, detail string
		edit          func(jwt.MapClaims)
	}{
		{CheckAuthExpired, "A validly signed token that expired an hour ago was accepted.", func(c jwt.MapClaims) {
			c["exp"] = now.Add(-time.Hour).Unix()
			c["iat"] = now.Add(-2 * time.Hour).Unix()
		}},
		{CheckAuthAudience, "A validly signed token for another audience was accepted.", func(c jwt.MapClaims) { c["aud"] = evilOrigin }},
		{CheckAuthIssuer, "A validly signed token from another issuer was accepted.", func(c jwt.MapClaims) { c["iss"] = evilOrigin }},
	}
	for _, p := range probes {
		// An API whose tokens carry no aud (or iss) has nothing to check
		// it against: a token naming another one proves nothing.
		if p.check == CheckAuthAudience && claims["aud"] == nil || p.check == CheckAuthIssuer && claims["iss"] == nil {
			continue
		}
		c := maps.Clone(fresh)
		p.edit(c)
		if s, err := sign(c); err == nil {
			accepted(p.check, p.detail, s, false)
		}
	}
}

// signingKids are the kid headers to try on test tokens, best first: the
// kid under which the API's JWKS publishes the signing key's public key,
// none (verifiers without a kid try every key), then the identity's.
func (r *run) signingKids(ctx context.Context, identityKid string) []string {
	var kids []string
	pub := r.cfg.SigningKey.Public()
	for _, k := range r.publishedKeys(ctx) {
		if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); ok && k.kid != "" && eq.Equal(k.pub) {
			kids = append(kids, k.kid)
			break
		}
	}
	kids = append(kids, "")
	if identityKid != "" && !slices.Contains(kids, identityKid) {
		kids = append(kids, identityKid)
	}
	return kids
}

// crackSecrets cracks every identity's token before the checks run, so
// the cracked keys are read-only afterwards.
func (r *run) crackSecrets() {
	if !r.fams["authentication"] {
		return
	}
	for i := range r.cfg.Identities {
		r.crackSecret(&r.cfg.Identities[i])
	}
}

// crackSecret tries the built-in list of common secrets against an HMAC
// token, offline. A hit is reported without the secret.
func (r *run) crackSecret(id *Identity) {
	hdr := jwtHeader(id.Token)
	alg, _ := hdr["alg"].(string)
	if !strings.HasPrefix(alg, "HS") {
		return
	}
	for _, s := range weakSecrets {
		key := []byte(s)
		_, err := jwt.Parse(id.Token, func(*jwt.Token) (any, error) { return key, nil },
			jwt.WithValidMethods([]string{alg}), jwt.WithoutClaimsValidation())
		if err == nil {
			id.cracked, id.crackedAlg = key, alg
			sum := sha256.Sum256(key)
			// One finding per key, however many identities' tokens it signs.
			r.record(CheckAuthWeakSecret, "key "+hex.EncodeToString(sum[:8]), "token of identity "+id.Name,
				"The "+alg+" token of identity "+id.Name+" verifies with a secret from the scanner's built-in list of common secrets: anyone can forge tokens for any user.",
				Evidence{Request: "(offline: " + alg + " signature checked against a list of common secrets)", Response: "secret found (masked)"}, -1)
			return
		}
	}
}

func alterSig(sig string) string {
	b, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(b) == 0 {
		return sig + "A"
	}
	b[len(b)/2] ^= 0x55
	return base64.RawURLEncoding.EncodeToString(b)
}

// publishedKey is a public key from the API's JWKS.
type publishedKey struct {
	kid string
	pub crypto.PublicKey
}

// publishedKeys fetches the API's JWKS from its own origin, once per scan:
// at a well-known path, or where the OpenID configuration points on the
// same origin. Keys jwkset cannot read are skipped.
func (r *run) publishedKeys(ctx context.Context) []publishedKey {
	r.jwksOnce.Do(func() { r.jwks = r.fetchJWKS(ctx) })
	return r.jwks
}

func (r *run) fetchJWKS(ctx context.Context) []publishedKey {
	for _, p := range []string{"/.well-known/jwks.json", "/jwks.json", "/.well-known/openid-configuration"} {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: "GET " + p})
		if err != nil || !ex.ok() {
			continue
		}
		body := ex.Body
		var oidc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if json.Unmarshal(body, &oidc) == nil && oidc.JWKSURI != "" {
			u, err := url.Parse(oidc.JWKSURI)
			// Only a JWKS on the target's own origin is fetched.
			if err != nil || (u.Host != "" && u.Host != r.c.origin.Host) {
				continue
			}
			ex, err = r.c.do(ctx, &probe{Method: http.MethodGet, Path: u.RequestURI(), Op: "GET " + u.Path})
			if err != nil || !ex.ok() {
				continue
			}
			body = ex.Body
		}
		var set jwkset.JWKSMarshal
		if json.Unmarshal(body, &set) != nil {
			continue
		}
		var out []publishedKey
		for _, m := range set.Keys {
			jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
			if err != nil {
				continue
			}
			out = append(out, publishedKey{kid: m.KID, pub: jwk.Key()})
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// pemPaths are where APIs commonly serve their token verification key.
var pemPaths = []string{"/encryptionkeys/jwt.pub", "/jwt.pub", "/public.pem", "/publickey.pem", "/public_key.pem", "/pubkey.pem",
	"/jwt.pem", "/keys/public.pem", "/keys/jwt.pub", "/.well-known/public.pem", "/certs/public.pem", "/key.pub"}

var pemPubRe = lazyregexp.New(`-----BEGIN (RSA )?PUBLIC KEY-----[A-Za-z0-9+/=\s]+-----END (RSA )?PUBLIC KEY-----\s*`)

// publicPEMs returns, once per scan, every public key a confused verifier
// might use as an HMAC secret: PEM files given with --public-key, PEM
// files the API serves at common paths or links to, and the RSA keys of
// its JWKS in both PEM encodings. Served files are kept byte for byte:
// a verifier reads the file, trailing newline and all.
func (r *run) publicPEMs(ctx context.Context) [][]byte {
	r.pemOnce.Do(func() {
		add := func(b []byte) {
			for _, v := range [][]byte{b, bytes.TrimSpace(b), append(bytes.TrimSpace(slices.Clone(b)), '\n')} {
				if !slices.ContainsFunc(r.pems, func(x []byte) bool { return bytes.Equal(x, v) }) {
					r.pems = append(r.pems, v)
				}
			}
		}
		for _, k := range r.cfg.PublicKeys {
			add(k)
		}
		r.mu.Lock()
		paths := append(slices.Clone(r.pemLinks), pemPaths...)
		r.mu.Unlock()
		for _, p := range paths {
			ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: "GET " + p})
			if err != nil {
				if r.stop(err) {
					break
				}
				continue
			}
			if ex.ok() {
				if m := pemPubRe.Find(ex.Body); m != nil {
					add(m)
				}
			}
		}
		for _, k := range r.publishedKeys(ctx) {
			pub, ok := k.pub.(*rsa.PublicKey)
			if !ok {
				continue
			}
			if der, err := x509.MarshalPKIXPublicKey(pub); err == nil {
				add(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
			}
			add(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)}))
		}
	})
	return r.pems
}
