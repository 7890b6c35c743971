package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"

	"github.com/rampart-api/rampart/tokens/sqlstore"
)

// migrations bring the schema to each version in turn; never edit one
// that has shipped, add the next.
var migrations = []string{
	`CREATE TABLE rampart_signing_keys (
		kid TEXT PRIMARY KEY,
		alg TEXT NOT NULL,
		public_jwk BLOB NOT NULL,
		private_key BLOB NOT NULL,
		not_before_ms INTEGER NOT NULL,
		not_after_ms INTEGER NOT NULL,
		publish_until_ms INTEGER NOT NULL
	);
	CREATE TABLE rampart_refresh_tokens (
		hash BLOB PRIMARY KEY,
		family TEXT NOT NULL,
		subject TEXT NOT NULL,
		client_id TEXT NOT NULL,
		claims TEXT NOT NULL,
		expires_ms INTEGER NOT NULL,
		used_ms INTEGER NOT NULL,
		revoked INTEGER NOT NULL
	);
	CREATE INDEX rampart_refresh_family ON rampart_refresh_tokens (family);
	CREATE INDEX rampart_refresh_subject ON rampart_refresh_tokens (subject);
	CREATE TABLE rampart_access_tokens (
		jti TEXT PRIMARY KEY,
		family TEXT NOT NULL,
		subject TEXT NOT NULL,
		expires_ms INTEGER NOT NULL,
		revoked INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX rampart_access_family ON rampart_access_tokens (family);
	CREATE INDEX rampart_access_subject ON rampart_access_tokens (subject);
	CREATE TABLE rampart_revocations (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		jti TEXT NOT NULL,
		expires_ms INTEGER NOT NULL
	);`,
}

// Dialect is SQLite's [sqlstore.Dialect].
var Dialect = sqlstore.Dialect{Name: "sqlite", Migrations: migrations, Prepare: true}

// Open opens (creating it if needed) the database file at path in WAL
// mode, with writers waiting up to 5s for each other, and applies the
// schema migrations. Several processes may open the same file; a write
// transaction takes the write lock at its start (BEGIN IMMEDIATE), so
// concurrent exchanges of one refresh token are serialised.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	// One connection: SQLite has one writer at a time anyway, and a
	// single connection makes each transaction wait in the pool rather
	// than spin on SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	s, err := sqlstore.Open(ctx, db, Dialect)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
