// Package devtoken is the library behind "rampart token": it makes signing
// keys for development ([Keygen]), signs development tokens with them
// ([Mint]) and shows what a token says ([Inspect]) — stating plainly that
// nothing was verified unless a key set was given.
//
//	kp, err := devtoken.Keygen(devtoken.ES256)
//	...
//	_ = kp.WritePrivatePEM(keyFile) // keep for minting
//	_ = kp.WriteJWKS(jwksFile)      // point the gateway's jwks_file here
//	tok, err := devtoken.Mint(devtoken.MintConfig{
//		Key: kp, Subject: "alice", Roles: []string{"user"},
//		Audience: []string{"notes-api"}, Issuer: "https://dev.local/", TTL: time.Hour,
//	})
//
// Tokens are signed with github.com/golang-jwt/jwt/v5 and key sets written
// with github.com/MicahParks/jwkset. These tokens are for development and
// tests: production tokens come from an identity provider.
package devtoken
