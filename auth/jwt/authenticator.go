package jwt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth/claims"
	bearerhdr "github.com/rampart-api/rampart/internal/bearer"
)

// Authenticator verifies JWT bearer tokens from the configured issuers. It
// is immutable after [New] apart from key sets and its cache, and is safe
// for concurrent use.
type Authenticator struct {
	byName map[string]*issuer
	// anyIssuer is the issuer configured without a name, if any: tokens
	// whose "iss" names no other issuer go to it.
	anyIssuer *issuer
	ordered   []*issuer // in configuration order
	header    string    // canonical header name
	rawToken  bool      // Scheme none: the header value is the token
	cookie    string
	maxBytes  int
	now       func() time.Time
	cache     *cache
	cancel    context.CancelFunc
	// highS is set when some issuer accepts high-S signatures.
	highS bool
	// revocation, when set, is asked about every token's jti.
	revocation Revocation
}

var _ rampart.Authenticator = (*Authenticator)(nil)

// Method is the [rampart.Principal] Method of JWT principals.
const Method = "jwt"

// Scheme is the authentication scheme tokens travel under: "Bearer", or ""
// with Scheme none (a bare token has no scheme to challenge for).
func (a *Authenticator) Scheme() string {
	if a.rawToken {
		return ""
	}
	return SchemeBearer
}

// Close stops background key refreshes. The Authenticator keeps verifying
// with the keys it holds.
func (a *Authenticator) Close() error {
	if a.cancel != nil {
		a.cancel()
	}
	return nil
}

// Authenticate verifies the request's bearer token and returns its
// principal. It returns [rampart.ErrNoCredentials] when the request carries
// no token, and an error wrapping [rampart.ErrInvalidCredentials] and one
// precise reason ([ErrExpired], [ErrBadSignature], …) when the token is
// refused. Nothing from an unverified token is put in the error.
//
// It trusts only the configuration: the issuer is looked up by the token's
// "iss", but the algorithm must be in that issuer's allowlist, the key is
// taken from the issuer's own set (the kid is a map key, nothing more) and
// must fit the algorithm, and the signature is checked before any claim is
// believed. It fails closed: an issuer whose keys could not be fetched
// refuses every token. The returned Principal's Roles, Scopes and Claims are
// shared with the cache and must not be modified.
func (a *Authenticator) Authenticate(r *http.Request) (*rampart.Principal, error) {
	tok, b64, err := a.extract(r)
	if err != nil {
		return nil, err
	}
	return a.verify(r.Context(), tok, b64)
}

// verify returns the principal of tok, from the cache when tok is a
// token verified before. With b64 set, tok came with the Bearer scheme
// and must be an RFC 6750 b64token: a token the cache knows was one when
// it was verified, so only the others are scanned, before the parser
// reads them. (A high-S twin found under its low-S form's entry is the
// verified token's header and payload and a signature lowSForm decoded
// as strict base64url, so it is a b64token too.)
func (a *Authenticator) verify(ctx context.Context, tok string, b64 bool) (*rampart.Principal, error) {
	now := a.now()
	// A token and its high-S twin share the key of the low-S form when
	// an issuer accepts high S; the entry says whether it may serve a twin.
	var h, low tokenKey
	twin := false
	if a.cache != nil {
		if a.highS {
			var form string
			if form, twin = lowSForm(tok); twin {
				low = a.cache.key(form)
				if e := a.cache.get(&low, now); e != nil && e.twins {
					if a.revoked(e.jti) {
						return nil, invalid(ErrRevoked)
					}
					p := *e.principal
					return &p, nil
				}
			}
		}
		h = a.cache.key(tok)
		if e := a.cache.get(&h, now); e != nil {
			if a.revoked(e.jti) {
				return nil, invalid(ErrRevoked)
			}
			p := *e.principal
			return &p, nil
		}
	}
	if b64 && !bearerhdr.IsB64Token(tok) {
		return nil, invalid(ErrMalformed)
	}
	p, until, iss, k, err := a.verifyUncached(ctx, tok)
	if err != nil {
		return nil, err
	}
	jti, _ := p.Claims["jti"].(string)
	if a.revoked(jti) {
		return nil, invalid(ErrRevoked)
	}
	if a.cache != nil {
		e := &cacheEntry{principal: p, until: until, iss: iss, fp: k.fp, twins: iss.acceptHighS && k.isECDSA(), jti: jti}
		if twin && e.twins {
			h = low
		}
		a.cache.put(&h, e)
		c := *p
		return &c, nil
	}
	return p, nil
}

// revoked reports whether jti is revoked; tokens without one cannot be.
func (a *Authenticator) revoked(jti string) bool {
	return a.revocation != nil && jti != "" && a.revocation.Revoked(jti)
}

func (a *Authenticator) verifyUncached(ctx context.Context, tok string) (*rampart.Principal, time.Time, *issuer, *key, error) {
	var zero time.Time
	fail := func(reason error) (*rampart.Principal, time.Time, *issuer, *key, error) {
		return nil, zero, nil, nil, invalid(reason)
	}
	if len(tok) > a.maxBytes {
		return fail(ErrTooLarge)
	}
	jws, err := parseCompact(tok)
	if err != nil {
		return fail(ErrMalformed)
	}
	if err := checkObject(jws.payload); err != nil {
		return fail(ErrMalformed)
	}
	var cl jwt.MapClaims
	dec := json.NewDecoder(bytes.NewReader(jws.payload))
	dec.UseNumber()
	if err := dec.Decode(&cl); err != nil {
		return fail(ErrMalformed)
	}
	name, _ := cl["iss"].(string)
	iss := a.byName[name]
	if iss == nil {
		iss = a.anyIssuer
	}
	if iss == nil {
		return fail(ErrUnknownIssuer)
	}
	alg := jws.header.Alg
	if !slices.Contains(iss.algs, alg) {
		return fail(ErrAlgorithmNotAllowed)
	}
	if iss.typ != "" && normType(jws.header.Typ) != iss.typ {
		return fail(ErrWrongType)
	}
	k, err := a.checkSignature(ctx, iss, jws)
	if err != nil {
		return fail(err)
	}
	if err := iss.validator.Validate(cl); err != nil {
		return fail(claimsReason(err))
	}
	until, err := iss.lifetime(cl, a.now())
	if err != nil {
		return fail(err)
	}
	p, err := iss.principal(cl)
	if err != nil {
		return fail(err)
	}
	return p, until, iss, k, nil
}

// lifetime returns the instant a verified token stops being accepted: its
// exp, or, with MaxAge, iat + MaxAge when that comes first (leeway added
// as for exp). It refuses a token that has outlived MaxAge, and a token
// without the claim its lifetime depends on: exp without MaxAge, iat with
// it. golang-jwt has already checked exp, nbf and iat against the clock.
func (iss *issuer) lifetime(cl jwt.MapClaims, now time.Time) (time.Time, error) {
	exp, err := cl.GetExpirationTime()
	if err != nil {
		return time.Time{}, ErrMalformed
	}
	if iss.maxAge == 0 {
		if exp == nil {
			return time.Time{}, ErrMissingClaim
		}
		return exp.Time, nil
	}
	iat, err := cl.GetIssuedAt()
	switch {
	case err != nil:
		return time.Time{}, ErrMalformed
	case iat == nil:
		return time.Time{}, ErrMissingClaim
	}
	until := iat.Add(iss.maxAge + iss.leeway)
	if !now.Before(until) {
		return time.Time{}, ErrExpired
	}
	if exp != nil && exp.Before(until) {
		until = exp.Time
	}
	return until, nil
}

// checkSignature finds the issuer's keys for the token's kid and alg and
// verifies the signature with them. An unknown kid triggers one
// rate-limited refetch of a remote key set.
func (a *Authenticator) checkSignature(ctx context.Context, iss *issuer, jws *parsed) (*key, error) {
	alg, kid := jws.header.Alg, jws.header.Kid
	keys := iss.keys.Load().candidates(kid, alg)
	if len(keys) == 0 && iss.remote != nil {
		iss.remote.refetch(ctx)
		keys = iss.keys.Load().candidates(kid, alg)
	}
	if len(keys) == 0 {
		return nil, ErrUnknownKey
	}
	highS := false
	for _, k := range keys {
		switch k.check(alg, jws.signingString, jws.signature) {
		case sigValid:
			return k, nil
		case sigHighS:
			if iss.acceptHighS {
				return k, nil
			}
			highS = true
		}
	}
	if highS {
		return nil, ErrHighS
	}
	return nil, ErrBadSignature
}

// claimsReason maps golang-jwt's validation errors onto this package's
// reasons. The signature was verified before, so these describe a genuine
// token.
func claimsReason(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return ErrMissingClaim
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return ErrNotYetValid
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return ErrIssuedInFuture
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return ErrWrongIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ErrWrongAudience
	}
	return ErrMalformed
}

// principal builds the principal from verified claims.
func (iss *issuer) principal(cl jwt.MapClaims) (*rampart.Principal, error) {
	sub, _ := iss.subject.Lookup(cl)
	subject, ok := claims.String(sub)
	if !ok || subject == "" {
		return nil, ErrMissingClaim
	}
	p := &rampart.Principal{Subject: subject, Method: Method, Issuer: iss.name, Claims: cl}
	if v, ok := iss.roles.Lookup(cl); ok {
		p.Roles = claims.Strings(v)
	}
	for _, sp := range iss.scopes {
		if v, ok := sp.Lookup(cl); ok {
			p.Scopes = claims.Strings(v)
			break
		}
	}
	if v, ok := iss.tenant.Lookup(cl); ok {
		p.Tenant, _ = claims.String(v)
	}
	return p, nil
}

// hashToken is the SHA-256 of tok, the cache key where AES-GCM is
// unavailable (see [cache.key]). Tokens up to 1 KiB are hashed from a
// copy on the stack: converting the string to a []byte would allocate on
// every cached lookup.
func hashToken(tok string) tokenKey {
	var buf [1 << 10]byte
	if len(tok) > len(buf) {
		return sha256.Sum256([]byte(tok))
	}
	return sha256.Sum256(buf[:copy(buf[:], tok)])
}
