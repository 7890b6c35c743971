package jwt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"math/big"
	"strings"
)

// lowS reports whether sig, an ECDSA signature in JWS form (R and S as
// fixed-width big-endian integers, RFC 7518 section 3.4), has the right
// length for pub's curve and S no greater than half the group order.
//
// ECDSA is malleable: when (R, S) verifies, so does (R, N-S). golang-jwt
// and crypto/ecdsa accept both, so without this check one signed token has
// two valid strings, and every structure keyed by the token string (the
// verification cache, replay and revocation lists) sees two tokens. By
// default only the low-S form is accepted; signers that emit high S (most
// libraries emit either form at random, so such an issuer's tokens would
// be refused half the time) must normalise, or their issuer block must set
// [IssuerConfig.DangerouslyAcceptHighS], which makes [lowSForm] key the
// cache by the low-S form. It trusts nothing and is safe for concurrent
// use.
func lowS(pub *ecdsa.PublicKey, sig []byte) bool {
	params := pub.Curve.Params()
	size := (params.BitSize + 7) / 8
	if len(sig) != 2*size {
		return false
	}
	if tc := twinCurves[base64.RawURLEncoding.EncodedLen(2*size)]; tc != nil && tc.n == params.N {
		// The JOSE curves: a byte comparison, no allocation.
		return bytes.Compare(sig[size:], tc.half) <= 0
	}
	return new(big.Int).SetBytes(sig[size:]).Cmp(halfOrder(params.N)) <= 0
}

func halfOrder(n *big.Int) *big.Int {
	return new(big.Int).Rsh(n, 1)
}

// sigCheck is the outcome of checking one signature with one key.
type sigCheck int

const (
	sigInvalid sigCheck = iota
	// sigValid: the signature verifies and is the only string for it.
	sigValid
	// sigHighS: a high-S ECDSA signature that verifies, the twin of the
	// low-S one.
	sigHighS
)

// twinCurve holds what [lowSForm] needs of one curve, as fixed-width
// big-endian bytes so that the common low-S case compares bytes only.
type twinCurve struct {
	n           *big.Int
	half, order []byte
}

// twinCurves maps an ECDSA JWS signature's base64url length to its curve.
var twinCurves = func() map[int]*twinCurve {
	m := make(map[int]*twinCurve, 3)
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		p := c.Params()
		size := (p.BitSize + 7) / 8
		tc := &twinCurve{n: p.N, half: make([]byte, size), order: make([]byte, size)}
		halfOrder(p.N).FillBytes(tc.half)
		p.N.FillBytes(tc.order)
		m[base64.RawURLEncoding.EncodedLen(2*size)] = tc
	}
	return m
}()

// lowSForm returns the low-S form of tok and true when tok ends in a
// signature of an ECDSA length (P-256, P-384 or P-521) whose S lies
// strictly between N/2 and N; otherwise it returns false. Only the
// signature segment changes, and the low-S form is encoded canonically, so
// a token and its high-S twin have the same form, and the same cache key.
//
// It looks at the string only: nothing says tok is an ECDSA token, let
// alone a valid one. A cache entry found under the form's key may serve
// tok only when it was verified with an ECDSA key for an issuer that
// accepts high S (see [cacheEntry].twins): tok then differs from the
// verified string only by S ↦ N-S, which verifies with the same key. It is
// safe for concurrent use.
func lowSForm(tok string) (string, bool) {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return "", false
	}
	seg := tok[i+1:]
	tc := twinCurves[len(seg)]
	if tc == nil {
		return "", false
	}
	var buf [2 * 66]byte
	size := len(tc.order)
	sig := buf[:2*size]
	if strings.ContainsAny(seg, "\r\n") {
		return "", false
	}
	if n, err := strictB64.Decode(sig, []byte(seg)); err != nil || n != len(sig) {
		return "", false
	}
	s := sig[size:]
	if bytes.Compare(s, tc.half) <= 0 || bytes.Compare(s, tc.order) >= 0 {
		return "", false
	}
	low := new(big.Int).SetBytes(s)
	low.Sub(tc.n, low).FillBytes(s)
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig), true
}
