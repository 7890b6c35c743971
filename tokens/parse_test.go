package tokens_test

import (
	"encoding/json"
	"testing"

	gjwt "github.com/golang-jwt/jwt/v5"
)

// jwtParser reads a token's kid without verifying it (tests only).
type jwtParser struct{}

func (jwtParser) parse(tok string) (string, gjwt.MapClaims, error) {
	cl := gjwt.MapClaims{}
	t, _, err := gjwt.NewParser().ParseUnverified(tok, cl)
	if err != nil {
		return "", nil, err
	}
	kid, _ := t.Header["kid"].(string)
	return kid, cl, nil
}

func countKeys(t *testing.T, jwks []byte) int {
	t.Helper()
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatal(err)
	}
	return len(set.Keys)
}
