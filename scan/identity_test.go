package scan

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var identityCases = []struct {
	name, in, auth string
	err            bool
}{
	{"raw token", "alice=abc.def.ghi", "Bearer abc.def.ghi", false},
	{"bearer given", "bob=Bearer xyz", "Bearer xyz", false},
	{"api key scheme", "svc=ApiKey k-123", "ApiKey k-123", false},
	{"no equals", "alice", "", true},
	{"empty token", "alice=", "", true},
	{"empty name", "=tok", "", true},
	{"header injection", "eve=tok\r\nX-Admin: 1", "", true},
	{"scheme without credential", "eve=Bearer ", "", true},
}

func TestParseIdentity(t *testing.T) {
	for _, tc := range identityCases {
		t.Run(tc.name, func(t *testing.T) {
			id, err := ParseIdentity(tc.in)
			if tc.err {
				if !errors.Is(err, ErrInvalidIdentity) {
					t.Fatalf("want ErrInvalidIdentity, got %v", err)
				}
				return
			}
			if err != nil || id.Authorization != tc.auth {
				t.Fatalf("got %q, %v; want %q", id.Authorization, err, tc.auth)
			}
		})
	}
}

func FuzzParseIdentity(f *testing.F) {
	for _, tc := range identityCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIdentity(s)
		if err == nil && (strings.ContainsAny(id.Authorization, "\r\n") || id.Name == "" || id.Token == "") {
			t.Fatalf("accepted %q as %+v", s, id)
		}
	})
}

func FuzzMaskText(f *testing.F) {
	f.Add(`{"password":"hunter2","token":"eyJhbGciOi.eyJzdWIiOiIx.sig"}`)
	f.Add("DB_PASSWORD=hunter2\n4111 1111 1111 1111")
	f.Fuzz(func(t *testing.T, s string) {
		out := maskText(s)
		if strings.Contains(out, "-----BEGIN RSA PRIVATE KEY-----\n") {
			t.Fatalf("private key survived: %q", out)
		}
		_ = excerpt([]byte(s))
	})
}

func TestMaskText(t *testing.T) {
	in := `{"password_hash":"$2a$10$xyz","access_token":"abc","note":"card 4111 1111 1111 1111","t":"eyJhbGciOiJI.eyJzdWIiOiIxIn0.c2ln"}`
	out := maskText(in)
	for _, leak := range []string{"$2a$10$xyz", `"abc"`, "4111 1111", "eyJzdWIiOiIxIn0"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q survived masking: %s", leak, out)
		}
	}
}

func ExampleParseIdentity() {
	id, err := ParseIdentity("alice=Bearer opaque-token-123")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(id.Name, maskToken(id.Token))
	_, err = ParseIdentity("alice")
	fmt.Println(errors.Is(err, ErrInvalidIdentity))
	// Output:
	// alice opaq…[masked]
	// true
}
