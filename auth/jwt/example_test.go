package jwt_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth/jwt"
)

func Example() {
	secret := []byte("an-example-secret-of-at-least-32-bytes!")
	now := time.Unix(1_800_000_000, 0)
	a, err := jwt.New(jwt.Config{
		Now: func() time.Time { return now },
		Issuers: []jwt.IssuerConfig{{
			Issuer:     "https://login.example.com/",
			Audience:   []string{"notes-api"},
			Algorithms: []string{"HS256"},
			Secret:     secret,
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()

	tok, _ := gjwt.NewWithClaims(gjwt.SigningMethodHS256, gjwt.MapClaims{
		"iss": "https://login.example.com/", "aud": "notes-api", "sub": "alice",
		"roles": []string{"user"}, "exp": now.Add(time.Hour).Unix(),
	}).SignedString(secret)

	r := httptest.NewRequest(http.MethodGet, "/notes", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	p, err := a.Authenticate(r)
	fmt.Println(p.Subject, p.Roles, err)

	// A wrong use: a token in the query string is never read.
	r = httptest.NewRequest(http.MethodGet, "/notes?access_token="+tok, nil)
	_, err = a.Authenticate(r)
	fmt.Println(errors.Is(err, rampart.ErrNoCredentials))

	// An expired token: the reason is for logs, the client gets a 401.
	r = httptest.NewRequest(http.MethodGet, "/notes", nil)
	now = now.Add(2 * time.Hour)
	r.Header.Set("Authorization", "Bearer "+tok)
	_, err = a.Authenticate(r)
	fmt.Println(errors.Is(err, rampart.ErrInvalidCredentials), errors.Is(err, jwt.ErrExpired))
	// Output:
	// alice [user] <nil>
	// true
	// true true
}

// Tokens an app signs itself, as jsonwebtoken does by default: no iss, no
// aud, a numeric user id. The static secret identifies the issuer; alg
// none and other algorithms stay refused.
func Example_appTokens() {
	secret := []byte("an-example-secret-of-at-least-32-bytes!")
	now := time.Unix(1_800_000_000, 0)
	a, err := jwt.New(jwt.Config{
		Now: func() time.Time { return now },
		Issuers: []jwt.IssuerConfig{{
			Secret:                       secret,
			Algorithms:                   []string{"HS256"},
			DangerouslyAcceptAnyAudience: true,
			SubjectClaim:                 "userId",
			RolesClaim:                   "role",
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()

	tok, _ := gjwt.NewWithClaims(gjwt.SigningMethodHS256, gjwt.MapClaims{
		"userId": 42, "role": "admin", "exp": now.Add(time.Hour).Unix(),
	}).SignedString(secret)
	r := httptest.NewRequest(http.MethodGet, "/notes", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	p, err := a.Authenticate(r)
	fmt.Println(p.Subject, p.Roles, err)

	none, _ := gjwt.NewWithClaims(gjwt.SigningMethodNone, gjwt.MapClaims{
		"userId": 42, "role": "admin", "exp": now.Add(time.Hour).Unix(),
	}).SignedString(gjwt.UnsafeAllowNoneSignatureType)
	r.Header.Set("Authorization", "Bearer "+none)
	_, err = a.Authenticate(r)
	fmt.Println(errors.Is(err, rampart.ErrInvalidCredentials))
	// Output:
	// 42 [admin] <nil>
	// true
}
