package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampart-api/rampart/tokens"
)

// Open returns an empty store of its own for one test; the test closes
// it.
type Open func(t *testing.T) tokens.Store

func hash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

var t0 = time.UnixMilli(1_800_000_000_000)

func grant(sub, family, rt, jti string, exp time.Time) tokens.Grant {
	g := tokens.Grant{Access: tokens.AccessRecord{JTI: jti, Family: family, Subject: sub, ExpiresAt: t0.Add(15 * time.Minute)}}
	if rt != "" {
		g.Refresh = &tokens.RefreshRecord{Hash: hash(rt), Family: family, Subject: sub, Roles: []string{"user"}, Scopes: []string{"read", "write"}, Tenant: "t1", ExpiresAt: exp}
	}
	return g
}

func next(sub, rt, jti string) func(tokens.RefreshRecord) (tokens.Grant, error) {
	return func(old tokens.RefreshRecord) (tokens.Grant, error) {
		return grant(sub, old.Family, rt, jti, old.ExpiresAt), nil
	}
}

func revokedJTIs(t *testing.T, s tokens.Store, now time.Time) []string {
	t.Helper()
	rs, _, err := s.Revocations(context.Background(), 0, now)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.JTI)
	}
	slices.Sort(out)
	return out
}

// Run runs the suite; each subtest opens its own store.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	t.Run("keys round trip newest first", func(t *testing.T) {
		s := open(t)
		for i, nb := range []time.Time{t0, t0.Add(24 * time.Hour)} {
			k := tokens.KeyRecord{KID: fmt.Sprintf("k%d", i), Algorithm: "ES256", PublicJWK: []byte(`{"kty":"EC"}`), Private: []byte{1, 2, 3, byte(i)},
				NotBefore: nb, NotAfter: nb.Add(24 * time.Hour), PublishUntil: nb.Add(25 * time.Hour)}
			if err := s.AddKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		ks, err := s.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ks) != 2 || ks[0].KID != "k1" || !ks[0].NotBefore.Equal(t0.Add(24*time.Hour)) || !bytes.Equal(ks[1].Private, []byte{1, 2, 3, 0}) {
			t.Fatalf("keys = %+v", ks)
		}
		if err := s.Purge(ctx, t0.Add(25*time.Hour+30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if ks, _ = s.Keys(ctx); len(ks) != 1 || ks[0].KID != "k1" {
			t.Fatalf("after purge: %+v", ks)
		}
	})
	t.Run("one key per instant among concurrent creators", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() {
				errs[i] = s.AddKey(ctx, tokens.KeyRecord{KID: fmt.Sprint("c", i), Algorithm: "ES256", PublicJWK: []byte(`{}`), Private: []byte{byte(i)},
					NotBefore: t0.Add(time.Duration(i) * time.Millisecond), NotAfter: t0.Add(time.Hour), PublishUntil: t0.Add(2 * time.Hour)})
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		ks, err := s.Keys(ctx)
		if err != nil || len(ks) != 1 {
			t.Fatalf("%d keys stored for one instant, %v", len(ks), err)
		}
		// Another algorithm, or the next period, is a key of its own.
		for _, k := range []tokens.KeyRecord{
			{KID: "ed", Algorithm: "EdDSA", PublicJWK: []byte(`{}`), Private: []byte{1}, NotBefore: t0, NotAfter: t0.Add(time.Hour), PublishUntil: t0.Add(2 * time.Hour)},
			{KID: "next", Algorithm: "ES256", PublicJWK: []byte(`{}`), Private: []byte{1}, NotBefore: t0.Add(time.Hour), NotAfter: t0.Add(2 * time.Hour), PublishUntil: t0.Add(3 * time.Hour)},
		} {
			if err := s.AddKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if ks, _ := s.Keys(ctx); len(ks) != 3 {
			t.Fatalf("%d keys, want 3", len(ks))
		}
	})
	t.Run("rotation retires the presented token", func(t *testing.T) {
		s := open(t)
		if err := s.Issue(ctx, grant("alice", "f1", "rt1", "j1", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		old, err := s.Rotate(ctx, hash("rt1"), t0.Add(time.Minute), next("alice", "rt2", "j2"))
		if err != nil {
			t.Fatal(err)
		}
		if old.Subject != "alice" || old.Family != "f1" || old.Tenant != "t1" || !slices.Equal(old.Roles, []string{"user"}) || !slices.Equal(old.Scopes, []string{"read", "write"}) || !old.ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("old = %+v", old)
		}
		if _, err := s.Rotate(ctx, hash("rt2"), t0.Add(2*time.Minute), next("alice", "rt3", "j3")); err != nil {
			t.Fatalf("the new token: %v", err)
		}
	})
	t.Run("unknown expired and revoked tokens are not found", func(t *testing.T) {
		s := open(t)
		if err := s.Issue(ctx, grant("bob", "f", "rt", "j", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]struct {
			h   []byte
			now time.Time
		}{
			"unknown":         {hash("nope"), t0},
			"empty hash":      {nil, t0},
			"expired":         {hash("rt"), t0.Add(time.Hour)},
			"long expired":    {hash("rt"), t0.Add(1000 * time.Hour)},
			"hash of a token": {hash(string(hash("rt"))), t0},
		} {
			if _, err := s.Rotate(ctx, c.h, c.now, next("bob", "x"+name, "jx"+name)); !errors.Is(err, tokens.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", name, err)
			}
		}
		if _, err := s.RevokeRefresh(ctx, hash("rt"), t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Rotate(ctx, hash("rt"), t0, next("bob", "y", "jy")); !errors.Is(err, tokens.ErrNotFound) {
			t.Errorf("revoked: %v, want ErrNotFound", err)
		}
		if _, err := s.RevokeRefresh(ctx, hash("rt"), t0); !errors.Is(err, tokens.ErrNotFound) {
			t.Errorf("revoking twice: %v, want ErrNotFound", err)
		}
	})
	t.Run("reuse revokes the whole family", func(t *testing.T) {
		s := open(t)
		if err := s.Issue(ctx, grant("carol", "fam", "a", "ja", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		if err := s.Issue(ctx, grant("carol", "other", "o", "jo", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Rotate(ctx, hash("a"), t0, next("carol", "b", "jb")); err != nil {
			t.Fatal(err)
		}
		old, err := s.Rotate(ctx, hash("a"), t0, next("carol", "c", "jc"))
		if !errors.Is(err, tokens.ErrReused) || old.Subject != "carol" || old.Family != "fam" {
			t.Fatalf("reuse: %+v %v", old, err)
		}
		if _, err := s.Rotate(ctx, hash("b"), t0, next("carol", "d", "jd")); !errors.Is(err, tokens.ErrNotFound) {
			t.Fatalf("the thief's successor token: %v, want ErrNotFound", err)
		}
		if got := revokedJTIs(t, s, t0); !slices.Equal(got, []string{"ja", "jb"}) {
			t.Fatalf("revoked access tokens = %v, want the family's [ja jb]", got)
		}
		if _, err := s.Rotate(ctx, hash("o"), t0, next("carol", "o2", "jo2")); err != nil {
			t.Fatalf("another family of the same subject: %v", err)
		}
	})
	t.Run("concurrent exchanges of one token: one wins", func(t *testing.T) {
		s := open(t)
		if err := s.Issue(ctx, grant("dan", "f", "rt", "j0", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]error, 8)
		for i := range results {
			wg.Go(func() {
				_, results[i] = s.Rotate(ctx, hash("rt"), t0, next("dan", fmt.Sprint("n", i), fmt.Sprint("jn", i)))
			})
		}
		wg.Wait()
		ok, reused := 0, 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, tokens.ErrReused):
				reused++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if ok != 1 || reused != 7 {
			t.Fatalf("%d won, %d saw reuse; want 1 and 7", ok, reused)
		}
	})
	t.Run("a failing next undoes the exchange", func(t *testing.T) {
		s := open(t)
		if err := s.Issue(ctx, grant("erin", "f", "rt", "j", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if _, err := s.Rotate(ctx, hash("rt"), t0, func(tokens.RefreshRecord) (tokens.Grant, error) { return tokens.Grant{}, boom }); !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if _, err := s.Rotate(ctx, hash("rt"), t0, next("erin", "rt2", "j2")); err != nil {
			t.Fatalf("the token was spent by a failed exchange: %v", err)
		}
	})
	t.Run("revocation log with cursor and expiry", func(t *testing.T) {
		s := open(t)
		if err := s.RevokeAccess(ctx, "x1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		rs, cur, err := s.Revocations(ctx, 0, t0)
		if err != nil || len(rs) != 1 || rs[0].JTI != "x1" || !rs[0].ExpiresAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("%+v %v", rs, err)
		}
		if err := s.RevokeAccess(ctx, "x2", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		rs, cur2, err := s.Revocations(ctx, cur, t0)
		if err != nil || len(rs) != 1 || rs[0].JTI != "x2" || cur2 <= cur {
			t.Fatalf("after the cursor: %+v %d %v", rs, cur2, err)
		}
		if rs, _, _ := s.Revocations(ctx, 0, t0.Add(2*time.Minute)); len(rs) != 1 || rs[0].JTI != "x2" {
			t.Fatalf("expired entries are returned: %+v", rs)
		}
		if err := s.Purge(ctx, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if rs, _, _ := s.Revocations(ctx, 0, t0); len(rs) != 1 {
			t.Fatalf("after purge: %+v", rs)
		}
	})
	t.Run("revoking a subject revokes all its tokens and nobody else's", func(t *testing.T) {
		s := open(t)
		for i, sub := range []string{"frank", "frank", "grace"} {
			if err := s.Issue(ctx, grant(sub, fmt.Sprint("f", i), fmt.Sprint("rt", i), fmt.Sprint("j", i), t0.Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Issue(ctx, grant("frank", "", "", "client-jti", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		n, err := s.RevokeSubject(ctx, "frank", t0)
		if err != nil || n != 3 {
			t.Fatalf("revoked %d, %v; want 3", n, err)
		}
		if got := revokedJTIs(t, s, t0); !slices.Equal(got, []string{"client-jti", "j0", "j1"}) {
			t.Fatalf("revoked = %v", got)
		}
		for _, rt := range []string{"rt0", "rt1"} {
			if _, err := s.Rotate(ctx, hash(rt), t0, next("frank", rt+"n", rt+"j")); !errors.Is(err, tokens.ErrNotFound) {
				t.Errorf("%s still usable: %v", rt, err)
			}
		}
		if _, err := s.Rotate(ctx, hash("rt2"), t0, next("grace", "g2", "gj2")); err != nil {
			t.Errorf("grace's token: %v", err)
		}
		if n, err := s.RevokeSubject(ctx, "nobody", t0); err != nil || n != 0 {
			t.Fatalf("unknown subject: %d %v", n, err)
		}
	})
	t.Run("purge drops expired tokens", func(t *testing.T) {
		s := open(t)
		if err := s.Issue(ctx, grant("henry", "f", "rt", "j", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		if err := s.Purge(ctx, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Rotate(ctx, hash("rt"), t0, next("henry", "n", "jn")); !errors.Is(err, tokens.ErrNotFound) {
			t.Fatalf("purged token: %v", err)
		}
	})
}
