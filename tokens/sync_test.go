package tokens_test

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// A revocation whose sequence number is below the cursor, committed after
// a later one (PostgreSQL numbers rows before they commit), is still
// picked up.
func TestSyncCatchesRevocationsCommittedOutOfOrder(t *testing.T) {
	st := sqliteStore(t)
	s := newService(t, baseConfig(st))
	db := st.(interface{ DB() *sql.DB }).DB()
	exp := time.Now().Add(time.Hour).UnixMilli()
	ctx := context.Background()
	if _, err := db.Exec(`INSERT INTO rampart_revocations (seq, jti, expires_ms) VALUES (50, 'later', ?)`, exp); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO rampart_revocations (seq, jti, expires_ms) VALUES (40, 'earlier', ?)`, exp); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !s.Revoked("later") || !s.Revoked("earlier") {
		t.Fatalf("later %v, earlier %v", s.Revoked("later"), s.Revoked("earlier"))
	}
}
