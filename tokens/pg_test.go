package tokens_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rampart-api/rampart/internal/pgtest"
	"github.com/rampart-api/rampart/tokens"
	"github.com/rampart-api/rampart/tokens/pgstore"
)

// Gateways starting together on an empty PostgreSQL store sign with one
// key, and a revocation on one is seen by the other within a second.
func TestTwoServicesOnOnePostgres(t *testing.T) {
	u := pgtest.Schema(t)
	svcs := make([]*tokens.Service, 3)
	var wg sync.WaitGroup
	for i := range svcs {
		wg.Go(func() {
			st, err := pgstore.Open(context.Background(), u)
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(func() { st.Close() })
			cfg := baseConfig(st)
			cfg.PollInterval = time.Second // the notification, not the poll, must do it
			svcs[i] = newService(t, cfg)
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	kids := map[string]bool{}
	for _, s := range svcs {
		pair, err := s.Issue(context.Background(), tokens.Identity{Subject: "kim"})
		if err != nil {
			t.Fatal(err)
		}
		kid, _, _ := jwtParser{}.parse(pair.AccessToken)
		kids[kid] = true
	}
	if len(kids) != 1 {
		t.Fatalf("services started together sign with %d keys", len(kids))
	}
	pair, _ := svcs[0].Issue(context.Background(), tokens.Identity{Subject: "kim"})
	_, cl, _ := jwtParser{}.parse(pair.AccessToken)
	jti := cl["jti"].(string)
	v := verifier(t, svcs[1], nil)
	if err := verify(v, pair.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := svcs[0].RevokeAccess(context.Background(), pair.AccessToken); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for !svcs[1].Revoked(jti) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the revocation never reached the second service")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("revocation seen by the second service after %s", time.Since(start))
}
