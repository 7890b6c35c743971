package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-api/rampart/tokens"
)

// Dialect is what differs between databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered rewrites ? placeholders as $1, $2, … (PostgreSQL).
	Numbered bool
	// Prepare prepares every statement once at Open; for drivers that
	// do not cache prepared statements themselves (pgx does).
	Prepare bool
	// Migrations are the schema steps, applied in order; step i brings
	// the schema to version i+1.
	Migrations []string
	// Lock serialises migrations between processes on conn; it returns
	// the function that releases the lock. Nil runs them in a
	// transaction only.
	Lock func(ctx context.Context, conn *sql.Conn) (func(), error)
	// LockKeys, when set, is run at the start of AddKey's transaction
	// to serialise key creation between processes (SQLite's write lock
	// does it already).
	LockKeys string
	// AfterRevoke runs inside the transaction that added revocations
	// (PostgreSQL sends a NOTIFY). Nil does nothing.
	AfterRevoke func(ctx context.Context, tx *sql.Tx) error
}

// Store is a [tokens.Store] on a database/sql handle. It is safe for
// concurrent use.
type Store struct {
	db    *sql.DB
	d     Dialect
	q     map[string]string
	stmts map[string]*sql.Stmt // prepared once: parsing is much of a small statement's cost
}

var _ tokens.Store = (*Store)(nil)

// Open runs the dialect's pending migrations on db and returns the store.
// The store owns db: Close closes it.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	s := &Store{db: db, d: d, q: map[string]string{}}
	for name, q := range queries {
		s.q[name] = s.rebind(q)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrating the token store: %w", err)
	}
	s.stmts = map[string]*sql.Stmt{}
	for name, q := range s.q {
		if !d.Prepare {
			break
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			s.closeStmts()
			return nil, fmt.Errorf("preparing %s: %w", name, err)
		}
		s.stmts[name] = st
	}
	return s, nil
}

func (s *Store) closeStmts() {
	for _, st := range s.stmts {
		st.Close()
	}
}

// exec runs the named statement in tx.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, name string, args ...any) (sql.Result, error) {
	if st := s.stmts[name]; st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, s.q[name], args...)
}

// queryRow runs the named query in tx.
func (s *Store) queryRow(ctx context.Context, tx *sql.Tx, name string, args ...any) *sql.Row {
	if st := s.stmts[name]; st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, s.q[name], args...)
}

// query runs the named query outside a transaction.
func (s *Store) query(ctx context.Context, name string, args ...any) (*sql.Rows, error) {
	if st := s.stmts[name]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, s.q[name], args...)
}

// execDB runs the named statement outside a transaction.
func (s *Store) execDB(ctx context.Context, name string, args ...any) (sql.Result, error) {
	if st := s.stmts[name]; st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.db.ExecContext(ctx, s.q[name], args...)
}

// DB returns the handle, for the store packages' own queries.
func (s *Store) DB() *sql.DB { return s.db }

func (s *Store) rebind(q string) string {
	if !s.d.Numbered {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if s.d.Lock != nil {
		unlock, err := s.d.Lock(ctx, conn)
		if err != nil {
			return fmt.Errorf("taking the migration lock: %w", err)
		}
		defer unlock()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS rampart_tokens_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)`); err != nil {
		return err
	}
	for i, step := range s.d.Migrations {
		version := i + 1
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var have int
		err = tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM rampart_tokens_migrations WHERE version = ?`), version).Scan(&have)
		if err == nil && have == 0 {
			if _, err = tx.ExecContext(ctx, step); err == nil {
				_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO rampart_tokens_migrations (version, applied_ms) VALUES (?, ?)`), version, time.Now().UnixMilli())
			}
		}
		if err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("version %d: %w", version, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("version %d: %w", version, err)
		}
	}
	return nil
}

// Version returns the schema version applied.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM rampart_tokens_migrations`).Scan(&v)
	return int(v.Int64), err
}

var queries = map[string]string{
	"keys": `SELECT kid, alg, public_jwk, private_key, not_before_ms, not_after_ms, publish_until_ms FROM rampart_signing_keys ORDER BY not_before_ms DESC, kid`,
	"addKey": `INSERT INTO rampart_signing_keys (kid, alg, public_jwk, private_key, not_before_ms, not_after_ms, publish_until_ms)
		SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM rampart_signing_keys WHERE alg = ? AND not_before_ms < ? AND not_after_ms > ?)`,
	"addAccess":  `INSERT INTO rampart_access_tokens (jti, family, subject, expires_ms) VALUES (?, ?, ?, ?)`,
	"addRefresh": `INSERT INTO rampart_refresh_tokens (hash, family, subject, client_id, claims, expires_ms, used_ms, revoked) VALUES (?, ?, ?, ?, ?, ?, 0, 0)`,
	"use": `UPDATE rampart_refresh_tokens SET used_ms = ? WHERE hash = ? AND used_ms = 0 AND revoked = 0 AND expires_ms > ?
		RETURNING family, subject, client_id, claims, expires_ms`,
	"find":            `SELECT family, subject, client_id, claims, expires_ms, used_ms, revoked FROM rampart_refresh_tokens WHERE hash = ?`,
	"revokeFamily":    `UPDATE rampart_refresh_tokens SET revoked = 1 WHERE family = ? AND revoked = 0`,
	"logFamily":       `INSERT INTO rampart_revocations (jti, expires_ms) SELECT jti, expires_ms FROM rampart_access_tokens WHERE family = ? AND expires_ms > ? AND revoked = 0`,
	"markFamily":      `UPDATE rampart_access_tokens SET revoked = 1 WHERE family = ? AND revoked = 0`,
	"revokeSubject":   `UPDATE rampart_refresh_tokens SET revoked = 1 WHERE subject = ? AND revoked = 0`,
	"logSubject":      `INSERT INTO rampart_revocations (jti, expires_ms) SELECT jti, expires_ms FROM rampart_access_tokens WHERE subject = ? AND expires_ms > ? AND revoked = 0`,
	"markSubject":     `UPDATE rampart_access_tokens SET revoked = 1 WHERE subject = ? AND revoked = 0`,
	"logAccess":       `INSERT INTO rampart_revocations (jti, expires_ms) VALUES (?, ?)`,
	"markAccess":      `UPDATE rampart_access_tokens SET revoked = 1 WHERE jti = ?`,
	"revocations":     `SELECT seq, jti, expires_ms FROM rampart_revocations WHERE seq > ? ORDER BY seq LIMIT 10000`,
	"purgeRefresh":    `DELETE FROM rampart_refresh_tokens WHERE expires_ms <= ?`,
	"purgeAccess":     `DELETE FROM rampart_access_tokens WHERE expires_ms <= ?`,
	"purgeRevocation": `DELETE FROM rampart_revocations WHERE expires_ms <= ?`,
	"purgeKeys":       `DELETE FROM rampart_signing_keys WHERE publish_until_ms <= ?`,
}

// Keys implements [tokens.Store].
func (s *Store) Keys(ctx context.Context) ([]tokens.KeyRecord, error) {
	rows, err := s.query(ctx, "keys")
	if err != nil {
		return nil, fmt.Errorf("reading signing keys: %w", err)
	}
	defer rows.Close()
	var out []tokens.KeyRecord
	for rows.Next() {
		var k tokens.KeyRecord
		var nb, na, pu int64
		if err := rows.Scan(&k.KID, &k.Algorithm, &k.PublicJWK, &k.Private, &nb, &na, &pu); err != nil {
			return nil, fmt.Errorf("reading signing keys: %w", err)
		}
		k.NotBefore, k.NotAfter, k.PublishUntil = time.UnixMilli(nb), time.UnixMilli(na), time.UnixMilli(pu)
		out = append(out, k)
	}
	return out, rows.Err()
}

// AddKey implements [tokens.Store].
func (s *Store) AddKey(ctx context.Context, k tokens.KeyRecord) error {
	nb, na := k.NotBefore.UnixMilli(), k.NotAfter.UnixMilli()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if s.d.LockKeys != "" {
			if _, err := tx.ExecContext(ctx, s.d.LockKeys); err != nil {
				return fmt.Errorf("storing a signing key: %w", err)
			}
		}
		if _, err := s.exec(ctx, tx, "addKey", k.KID, k.Algorithm, k.PublicJWK, k.Private,
			nb, na, k.PublishUntil.UnixMilli(), k.Algorithm, na, nb); err != nil {
			return fmt.Errorf("storing a signing key: %w", err)
		}
		return nil
	})
}

type storedClaims struct {
	Roles  []string `json:"roles,omitempty"`
	Scopes []string `json:"scopes,omitempty"`
	Tenant string   `json:"tenant,omitempty"`
}

func (s *Store) issue(ctx context.Context, tx *sql.Tx, g tokens.Grant) error {
	a := g.Access
	if _, err := s.exec(ctx, tx, "addAccess", a.JTI, a.Family, a.Subject, a.ExpiresAt.UnixMilli()); err != nil {
		return fmt.Errorf("recording an access token: %w", err)
	}
	if r := g.Refresh; r != nil {
		cl, _ := json.Marshal(storedClaims{Roles: r.Roles, Scopes: r.Scopes, Tenant: r.Tenant})
		if _, err := s.exec(ctx, tx, "addRefresh", r.Hash, r.Family, r.Subject, r.ClientID, string(cl), r.ExpiresAt.UnixMilli()); err != nil {
			return fmt.Errorf("recording a refresh token: %w", err)
		}
	}
	return nil
}

// inTx runs f in a transaction, committing when it returns nil or an
// error matching keep (work done before a refusal that must persist).
func (s *Store) inTx(ctx context.Context, f func(*sql.Tx) error, keep ...error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	ferr := f(tx)
	commit := ferr == nil
	for _, k := range keep {
		commit = commit || errors.Is(ferr, k)
	}
	if !commit {
		_ = tx.Rollback()
		return ferr
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	return ferr
}

// Issue implements [tokens.Store].
func (s *Store) Issue(ctx context.Context, g tokens.Grant) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.issue(ctx, tx, g) })
}

func scanRefresh(r *tokens.RefreshRecord, cl string, exp int64) {
	var c storedClaims
	_ = json.Unmarshal([]byte(cl), &c)
	r.Roles, r.Scopes, r.Tenant, r.ExpiresAt = c.Roles, c.Scopes, c.Tenant, time.UnixMilli(exp)
}

// Rotate implements [tokens.Store].
func (s *Store) Rotate(ctx context.Context, oldHash []byte, now time.Time, next func(tokens.RefreshRecord) (tokens.Grant, error)) (tokens.RefreshRecord, error) {
	old := tokens.RefreshRecord{Hash: oldHash}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var cl string
		var exp int64
		err := s.queryRow(ctx, tx, "use", now.UnixMilli(), oldHash, now.UnixMilli()).Scan(&old.Family, &old.Subject, &old.ClientID, &cl, &exp)
		if err == nil {
			scanRefresh(&old, cl, exp)
			g, err := next(old)
			if err != nil {
				return err
			}
			return s.issue(ctx, tx, g)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("exchanging a refresh token: %w", err)
		}
		var used, revoked int64
		err = s.queryRow(ctx, tx, "find", oldHash).Scan(&old.Family, &old.Subject, &old.ClientID, &cl, &exp, &used, &revoked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return tokens.ErrNotFound
		case err != nil:
			return fmt.Errorf("exchanging a refresh token: %w", err)
		}
		scanRefresh(&old, cl, exp)
		if used == 0 || !now.Before(old.ExpiresAt) {
			return tokens.ErrNotFound
		}
		if err := s.revokeBy(ctx, tx, "Family", old.Family, now, nil); err != nil {
			return err
		}
		return tokens.ErrReused
	}, tokens.ErrReused)
	return old, err
}

// revokeBy revokes the refresh and access tokens of one family or
// subject and logs the access tokens as revoked.
func (s *Store) revokeBy(ctx context.Context, tx *sql.Tx, by, value string, now time.Time, n *int) error {
	if by == "Family" {
		if _, err := s.exec(ctx, tx, "revokeFamily", value); err != nil {
			return fmt.Errorf("revoking a family: %w", err)
		}
	} else if _, err := s.exec(ctx, tx, "revokeSubject", value); err != nil {
		return fmt.Errorf("revoking a subject: %w", err)
	}
	res, err := s.exec(ctx, tx, "log"+by, value, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("logging revocations: %w", err)
	}
	if _, err := s.exec(ctx, tx, "mark"+by, value); err != nil {
		return fmt.Errorf("logging revocations: %w", err)
	}
	if n != nil {
		k, _ := res.RowsAffected()
		*n = int(k)
	}
	if s.d.AfterRevoke != nil {
		return s.d.AfterRevoke(ctx, tx)
	}
	return nil
}

// RevokeRefresh implements [tokens.Store].
func (s *Store) RevokeRefresh(ctx context.Context, h []byte, now time.Time) (tokens.RefreshRecord, error) {
	r := tokens.RefreshRecord{Hash: h}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var cl string
		var exp, used, revoked int64
		err := s.queryRow(ctx, tx, "find", h).Scan(&r.Family, &r.Subject, &r.ClientID, &cl, &exp, &used, &revoked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return tokens.ErrNotFound
		case err != nil:
			return fmt.Errorf("revoking a refresh token: %w", err)
		}
		scanRefresh(&r, cl, exp)
		if revoked != 0 || !now.Before(r.ExpiresAt) {
			return tokens.ErrNotFound
		}
		return s.revokeBy(ctx, tx, "Family", r.Family, now, nil)
	})
	return r, err
}

// RevokeAccess implements [tokens.Store].
func (s *Store) RevokeAccess(ctx context.Context, jti string, exp time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, "logAccess", jti, exp.UnixMilli()); err != nil {
			return fmt.Errorf("revoking an access token: %w", err)
		}
		if _, err := s.exec(ctx, tx, "markAccess", jti); err != nil {
			return fmt.Errorf("revoking an access token: %w", err)
		}
		if s.d.AfterRevoke != nil {
			return s.d.AfterRevoke(ctx, tx)
		}
		return nil
	})
}

// RevokeSubject implements [tokens.Store].
func (s *Store) RevokeSubject(ctx context.Context, subject string, now time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.revokeBy(ctx, tx, "Subject", subject, now, &n) })
	return n, err
}

// Revocations implements [tokens.Store].
func (s *Store) Revocations(ctx context.Context, cursor int64, now time.Time) ([]tokens.Revocation, int64, error) {
	rows, err := s.query(ctx, "revocations", cursor)
	if err != nil {
		return nil, cursor, fmt.Errorf("reading revocations: %w", err)
	}
	defer rows.Close()
	var out []tokens.Revocation
	for rows.Next() {
		var seq, exp int64
		var jti string
		if err := rows.Scan(&seq, &jti, &exp); err != nil {
			return nil, cursor, fmt.Errorf("reading revocations: %w", err)
		}
		cursor = seq
		if e := time.UnixMilli(exp); now.Before(e) {
			out = append(out, tokens.Revocation{JTI: jti, ExpiresAt: e})
		}
	}
	return out, cursor, rows.Err()
}

// Purge implements [tokens.Store].
func (s *Store) Purge(ctx context.Context, now time.Time) error {
	for _, q := range []string{"purgeRefresh", "purgeAccess", "purgeRevocation", "purgeKeys"} {
		if _, err := s.execDB(ctx, q, now.UnixMilli()); err != nil {
			return fmt.Errorf("purging expired rows: %w", err)
		}
	}
	return nil
}

// Close implements [tokens.Store].
func (s *Store) Close() error {
	s.closeStmts()
	return s.db.Close()
}
