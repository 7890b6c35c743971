package pgstore_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-api/rampart/tokens"
	"github.com/rampart-api/rampart/tokens/pgstore"
	"github.com/rampart-api/rampart/tokens/storetest"
)

// baseURL is the test database; RAMPART_TEST_POSTGRES overrides it.
func baseURL() string {
	if u := os.Getenv("RAMPART_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// schemaURL creates a schema of the test's own and returns a URL whose
// search_path is it. It skips when PostgreSQL is unreachable, unless CI
// is set.
func schemaURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, baseURL())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	defer conn.Close(context.Background())
	name := fmt.Sprintf("t_%d_%s", time.Now().UnixNano(), strings.NewReplacer("/", "_", " ", "_", "-", "_").Replace(strings.ToLower(t.Name())))
	if len(name) > 60 {
		name = name[:60]
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), baseURL())
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+ident+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, _ := url.Parse(baseURL())
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

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
	storetest.Run(t, func(t *testing.T) tokens.Store { return openTest(t, schemaURL(t)) })
}

func TestMigrationsUnderTheAdvisoryLock(t *testing.T) {
	u := schemaURL(t)
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
	u := schemaURL(t)
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
