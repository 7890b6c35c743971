package pgstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rampart-api/rampart/internal/pgtest"
	"github.com/rampart-api/rampart/tokens"
	"github.com/rampart-api/rampart/tokens/pgstore"
	"github.com/rampart-api/rampart/tokens/storetest"
)

// OpenTest opens a store in a fresh schema, closed when the test ends.
func openTest(t testing.TB, u string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tokens.Store { return openTest(t, pgtest.Schema(t)) })
}

func TestMigrationsUnderTheAdvisoryLock(t *testing.T) {
	u := pgtest.Schema(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := pgstore.Open(context.Background(), u)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := openTest(t, u)
	if v, err := s.Version(context.Background()); err != nil || v != 1 {
		t.Fatalf("version %d, %v", v, err)
	}
	var n int
	if err := s.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM rampart_tokens_migrations`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d migration rows, %v", n, err)
	}
}

func TestNotifyWakesAnotherGateway(t *testing.T) {
	u := pgtest.Schema(t)
	a, b := openTest(t, u), openTest(t, u)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The first Wait sets up LISTEN; a revocation made before it could
	// be missed, so revoke until a wait returns.
	woke := make(chan error, 1)
	go func() { woke <- b.Wait(ctx) }()
	for {
		if err := a.RevokeAccess(ctx, "jti", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-woke:
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("no notification")
		}
	}
}
