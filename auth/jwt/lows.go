package jwt

import (
	"crypto/ecdsa"
	"math/big"
)

// lowS reports whether sig, an ECDSA signature in JWS form (R and S as
// fixed-width big-endian integers, RFC 7518 section 3.4), has the right
// length for pub's curve and S no greater than half the group order.
//
// ECDSA is malleable: when (R, S) verifies, so does (R, N-S). golang-jwt
// and crypto/ecdsa accept both, so without this check one signed token has
// two valid strings, and every structure keyed by the token string (the
// verification cache, replay and revocation lists) sees two tokens. Only
// the low-S form is accepted; signers that emit high S (rare: most
// libraries emit either form at random, so a conforming issuer's tokens
// would be refused half the time) must normalise. It trusts nothing and
// is safe for concurrent use.
func lowS(pub *ecdsa.PublicKey, sig []byte) bool {
	params := pub.Curve.Params()
	size := (params.BitSize + 7) / 8
	if len(sig) != 2*size {
		return false
	}
	s := new(big.Int).SetBytes(sig[size:])
	return s.Cmp(halfOrder(params.N)) <= 0
}

func halfOrder(n *big.Int) *big.Int {
	return new(big.Int).Rsh(n, 1)
}
