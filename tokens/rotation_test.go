package tokens_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/tokens"
)

// waitFor retries f until it returns nil: the verifier installs a new key
// set from a goroutine of its own.
func waitFor(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestKeyRotationAcceptsOldTokensUntilTheyExpire(t *testing.T) {
	clk := newClock()
	cfg := baseConfig(sqliteStore(t))
	cfg.Now = clk.Now
	cfg.RotateEvery = 2 * time.Hour
	cfg.Activation = 10 * time.Minute
	cfg.AccessTTL = 15 * time.Minute
	s := newService(t, cfg)
	v := verifier(t, s, clk.Now)
	ctx := context.Background()
	kidOf := func(tok string) string {
		tt, _, err := new(jwtParser).parse(tok)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}

	// 1h55m: key 1 still signs; its successor has been published ahead.
	clk.Add(time.Hour + 55*time.Minute)
	if err := s.ReloadKeys(ctx); err != nil {
		t.Fatal(err)
	}
	old, err := s.Issue(ctx, tokens.Identity{Subject: "ivy"})
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := s.PublicJWKS()
	if n := countKeys(t, jwks); n != 2 {
		t.Fatalf("%d keys published before the switch, want 2", n)
	}

	// 2h01m: key 2 signs; key 1 is still published for its tokens.
	clk.Add(6 * time.Minute)
	if err := s.ReloadKeys(ctx); err != nil {
		t.Fatal(err)
	}
	fresh, err := s.Issue(ctx, tokens.Identity{Subject: "ivy"})
	if err != nil {
		t.Fatal(err)
	}
	if kidOf(fresh.AccessToken) == kidOf(old.AccessToken) {
		t.Fatal("no rotation at 2h")
	}
	waitFor(t, "the new key's token", func() error { return verify(v, fresh.AccessToken) })
	if err := verify(v, old.AccessToken); err != nil {
		t.Fatalf("the retired key's unexpired token: %v", err)
	}

	// 2h11m: the old token has expired (1h55m + 15m).
	clk.Add(10 * time.Minute)
	if err := verify(v, old.AccessToken); !errors.Is(err, jwt.ErrExpired) {
		t.Fatalf("the old token after its exp: %v", err)
	}

	// 2h17m: past key 1's publication (2h + 15m + 1m of leeway): it
	// leaves the set, and its tokens are unknown even with a clock
	// turned back.
	clk.Add(6 * time.Minute)
	if err := s.ReloadKeys(ctx); err != nil {
		t.Fatal(err)
	}
	jwks, _ = s.PublicJWKS()
	if n := countKeys(t, jwks); n != 1 {
		t.Fatalf("%d keys published after key 1 retired, want 1", n)
	}
	waitFor(t, "key 1 unpublished", func() error {
		clk.Add(-20 * time.Minute)
		defer clk.Add(20 * time.Minute)
		if err := verify(v, old.AccessToken); !errors.Is(err, jwt.ErrUnknownKey) {
			return errors.New("key 1 still verifies")
		}
		return nil
	})
	newest, err := s.Issue(ctx, tokens.Identity{Subject: "ivy"})
	if err != nil {
		t.Fatal(err)
	}
	if kidOf(newest.AccessToken) != kidOf(fresh.AccessToken) {
		t.Fatal("key 2 stopped signing early")
	}
	if err := verify(v, newest.AccessToken); err != nil {
		t.Fatalf("key 2's token: %v", err)
	}
}
