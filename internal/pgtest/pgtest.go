package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BaseURL is the test database: RAMPART_TEST_POSTGRES, or the local
// server's test database.
func BaseURL() string {
	if u := os.Getenv("RAMPART_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Schema creates a schema of the test's own, dropped when the test ends,
// and returns a URL of the test database whose search_path is it. It
// skips the test when PostgreSQL is unreachable, unless CI is set: then
// it fails it.
func Schema(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	defer conn.Close(context.Background())
	name := fmt.Sprintf("t_%d_%s", time.Now().UnixNano(),
		strings.NewReplacer("/", "_", " ", "_", "-", "_").Replace(strings.ToLower(t.Name())))
	if len(name) > 60 {
		name = name[:60]
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("creating schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), BaseURL())
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+ident+" CASCADE")
			_ = c.Close(context.Background())
		}
	})
	u, err := url.Parse(BaseURL())
	if err != nil {
		t.Fatalf("RAMPART_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
