package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/rampart-api/rampart/tokens"
	"github.com/rampart-api/rampart/tokens/sqlstore"
)

// channel is the NOTIFY channel revocations are announced on.
const channel = "rampart_revocations"

// migrationLock is the advisory lock key held while migrating.
const migrationLock = 0x72616d70 // "ramp"

var migrations = []string{
	`CREATE TABLE rampart_signing_keys (
		kid TEXT PRIMARY KEY,
		alg TEXT NOT NULL,
		public_jwk BYTEA NOT NULL,
		private_key BYTEA NOT NULL,
		not_before_ms BIGINT NOT NULL,
		not_after_ms BIGINT NOT NULL,
		publish_until_ms BIGINT NOT NULL
	);
	CREATE TABLE rampart_refresh_tokens (
		hash BYTEA PRIMARY KEY,
		family TEXT NOT NULL,
		subject TEXT NOT NULL,
		client_id TEXT NOT NULL,
		claims TEXT NOT NULL,
		expires_ms BIGINT NOT NULL,
		used_ms BIGINT NOT NULL,
		revoked INTEGER NOT NULL
	);
	CREATE INDEX rampart_refresh_family ON rampart_refresh_tokens (family);
	CREATE INDEX rampart_refresh_subject ON rampart_refresh_tokens (subject);
	CREATE TABLE rampart_access_tokens (
		jti TEXT PRIMARY KEY,
		family TEXT NOT NULL,
		subject TEXT NOT NULL,
		expires_ms BIGINT NOT NULL,
		revoked INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX rampart_access_family ON rampart_access_tokens (family);
	CREATE INDEX rampart_access_subject ON rampart_access_tokens (subject);
	CREATE TABLE rampart_revocations (
		seq BIGSERIAL PRIMARY KEY,
		jti TEXT NOT NULL,
		expires_ms BIGINT NOT NULL
	);`,
}

// Dialect is PostgreSQL's [sqlstore.Dialect].
var Dialect = sqlstore.Dialect{
	Name:       "postgres",
	Numbered:   true,
	Migrations: migrations,
	LockKeys:   `LOCK TABLE rampart_signing_keys IN SHARE ROW EXCLUSIVE MODE`,
	Lock: func(ctx context.Context, conn *sql.Conn) (func(), error) {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return nil, err
		}
		return func() { _, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLock) }, nil
	},
	AfterRevoke: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, '')`, channel)
		return err
	},
}

// Store is the PostgreSQL token store. It is safe for concurrent use;
// [Store.Wait] is meant for one caller at a time.
type Store struct {
	*sqlstore.Store
	url string

	mu     sync.Mutex
	listen *pgx.Conn
}

var (
	_ tokens.Store    = (*Store)(nil)
	_ tokens.Notifier = (*Store)(nil)
)

// Open connects to the database at url (a postgres:// URL; add
// search_path=NAME to keep the tables in a schema of their own) and
// applies the schema migrations under an advisory lock.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("token store: %w", err)
	}
	s, err := sqlstore.Open(ctx, db, Dialect)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{Store: s, url: url}, nil
}

// Wait returns when another gateway (or this one) has logged a
// revocation, when ctx ends, or with the error that broke the listening
// connection, which the next call reopens.
func (s *Store) Wait(ctx context.Context) error {
	s.mu.Lock()
	c := s.listen
	s.mu.Unlock()
	if c == nil {
		var err error
		if c, err = pgx.Connect(ctx, s.url); err != nil {
			return fmt.Errorf("listening for revocations: %w", err)
		}
		if _, err := c.Exec(ctx, "LISTEN "+channel); err != nil {
			c.Close(context.Background())
			return fmt.Errorf("listening for revocations: %w", err)
		}
		s.mu.Lock()
		s.listen = c
		s.mu.Unlock()
	}
	if _, err := c.WaitForNotification(ctx); err != nil {
		// A cancelled wait may leave the connection unusable: start
		// afresh next time either way.
		s.mu.Lock()
		s.listen = nil
		s.mu.Unlock()
		c.Close(context.Background())
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("listening for revocations: %w", err)
	}
	return nil
}

// Close closes the listening connection and the database.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.listen != nil {
		s.listen.Close(context.Background())
		s.listen = nil
	}
	s.mu.Unlock()
	return s.Store.Close()
}
