package tokens_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/rampart-api/rampart/tokens"
)

func TestSealer(t *testing.T) {
	s, err := tokens.NewSealer(kek)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("kid-1", []byte("private key"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("private key")) {
		t.Fatal("plaintext in the sealed value")
	}
	again, _ := s.Seal("kid-1", []byte("private key"))
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of one value are equal: salt or nonce reused")
	}
	if p, err := s.Open("kid-1", sealed); err != nil || string(p) != "private key" {
		t.Fatalf("%q %v", p, err)
	}
	other, _ := tokens.NewSealer(append([]byte("x"), kek...))
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	for name, f := range map[string]func() ([]byte, error){
		"other KEK":      func() ([]byte, error) { return other.Open("kid-1", sealed) },
		"other kid":      func() ([]byte, error) { return s.Open("kid-2", sealed) },
		"flipped bit":    func() ([]byte, error) { return s.Open("kid-1", flipped) },
		"truncated":      func() ([]byte, error) { return s.Open("kid-1", sealed[:20]) },
		"empty":          func() ([]byte, error) { return s.Open("kid-1", nil) },
		"unknown format": func() ([]byte, error) { return s.Open("kid-1", append([]byte{9}, sealed[1:]...)) },
	} {
		if _, err := f(); !errors.Is(err, tokens.ErrUnseal) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := tokens.NewSealer([]byte("short")); err == nil {
		t.Fatal("a short KEK was accepted")
	}
}
