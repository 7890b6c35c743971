package devtoken_test

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/rampart-api/rampart/auth/devtoken"
)

func ExampleMint() {
	kp, err := devtoken.Keygen(devtoken.ES256)
	if err != nil {
		panic(err)
	}
	var jwksFile bytes.Buffer // the gateway's jwks_file
	if err := kp.WriteJWKS(&jwksFile); err != nil {
		panic(err)
	}
	tok, err := devtoken.Mint(devtoken.MintConfig{
		Key:      kp,
		Subject:  "alice",
		Roles:    []string{"user"},
		Audience: []string{"notes-api"},
		Issuer:   "https://dev.local/",
		TTL:      time.Hour,
	})
	if err != nil {
		panic(err)
	}
	res, err := devtoken.Inspect(&bytes.Buffer{}, tok, devtoken.InspectConfig{JWKS: jwksFile.Bytes()})
	fmt.Println(res.Verified, res.KeyID == kp.KID, res.Claims["sub"], res.Claims["roles"], err)
	// Output:
	// true true alice [user] <nil>
}

func ExampleInspect() {
	// {"alg":"ES256","kid":"dev-1"} . {"sub":"alice","roles":["admin"],"exp":1772370000} . (no real signature)
	tok := "eyJhbGciOiJFUzI1NiIsImtpZCI6ImRldi0xIn0.eyJzdWIiOiJhbGljZSIsInJvbGVzIjpbImFkbWluIl0sImV4cCI6MTc3MjM3MDAwMH0.c2ln"
	now := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	_, _ = devtoken.Inspect(os.Stdout, tok, devtoken.InspectConfig{Now: now})
	// Output:
	// header:
	// {
	//   "alg": "ES256",
	//   "kid": "dev-1"
	// }
	// claims:
	// {
	//   "exp": 1772370000,
	//   "roles": [
	//     "admin"
	//   ],
	//   "sub": "alice"
	// }
	// exp: 2026-03-01T13:00:00Z (in 1h0m0s)
	//
	// NOT VERIFIED: nothing in this token was checked — not the signature, the issuer, the audience or the expiry. Anyone can write these claims. Give a JWKS or public key to verify it.
}
