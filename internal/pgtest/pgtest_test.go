package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-api/rampart/internal/pgtest"
)

func TestSchemaIsTheTestsOwn(t *testing.T) {
	u := pgtest.Schema(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE probe (n int)"); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := conn.QueryRow(ctx, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe'").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if schema == "public" || schema == "" {
		t.Fatalf("the table went to schema %q, want the test's own", schema)
	}
	if other := pgtest.Schema(t); other == u {
		t.Fatal("two calls gave the same schema")
	}
}
