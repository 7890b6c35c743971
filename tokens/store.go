package tokens

import (
	"context"
	"errors"
	"time"
)

// Store errors, matched with errors.Is.
var (
	// ErrNotFound: no usable refresh token has that hash (unknown,
	// expired or revoked). Callers answer invalid_grant and never say
	// which.
	ErrNotFound = errors.New("tokens: not found")
	// ErrReused: the refresh token had already been exchanged; its whole
	// family has been revoked by the same call.
	ErrReused = errors.New("tokens: refresh token reused")
)

// Store keeps signing keys, refresh-token families, issued access tokens
// and the revocation log. Implementations are package tokens/sqlitestore
// and tokens/pgstore; tokens/storetest is the conformance suite they
// share. Every method is safe for concurrent use by several gateways
// sharing one database. Times are stored to the millisecond.
type Store interface {
	// Keys returns every stored signing key, newest first.
	Keys(ctx context.Context) ([]KeyRecord, error)
	// AddKey stores a new signing key unless a key of the same algorithm
	// already signs during part of [k.NotBefore, k.NotAfter), atomically:
	// of gateways adding keys for the same period at once, one wins and
	// the others read its key.
	AddKey(ctx context.Context, k KeyRecord) error
	// Issue records a newly issued access token and, when g.Refresh is
	// set, its refresh token.
	Issue(ctx context.Context, g Grant) error
	// Rotate exchanges the unused, unrevoked, unexpired refresh token
	// whose hash is oldHash for next in one atomic step, and returns the
	// exchanged token's record. When oldHash was already exchanged it
	// revokes the token's family (refresh and access tokens) and returns
	// the record with [ErrReused]; otherwise it returns [ErrNotFound].
	// An error from next undoes the exchange and is returned.
	Rotate(ctx context.Context, oldHash []byte, now time.Time, next func(RefreshRecord) (Grant, error)) (RefreshRecord, error)
	// RevokeRefresh revokes the family of the refresh token whose hash is
	// h, and returns its record, or [ErrNotFound].
	RevokeRefresh(ctx context.Context, h []byte, now time.Time) (RefreshRecord, error)
	// RevokeAccess adds the access token jti, valid until exp, to the
	// revocation log.
	RevokeAccess(ctx context.Context, jti string, exp time.Time) error
	// RevokeSubject revokes every refresh family and every unexpired
	// access token of subject, and returns how many access tokens it
	// added to the revocation log.
	RevokeSubject(ctx context.Context, subject string, now time.Time) (int, error)
	// Revocations returns the log entries after cursor (0: from the
	// start) that are not yet expired at now, and the cursor to pass
	// next time.
	Revocations(ctx context.Context, cursor int64, now time.Time) ([]Revocation, int64, error)
	// Purge deletes rows that expired before now: refresh and access
	// tokens, revocations, and keys no longer published.
	Purge(ctx context.Context, now time.Time) error
	// Close releases the database.
	Close() error
}

// Notifier is implemented by stores that push revocations as they
// happen (PostgreSQL LISTEN/NOTIFY): Wait returns when the log may have
// grown or ctx ends. Polling remains the backstop.
type Notifier interface {
	Wait(ctx context.Context) error
}

// KeyRecord is one signing key as stored: the public half as a JWK, the
// private half encrypted (see [Sealer]).
type KeyRecord struct {
	KID       string
	Algorithm string
	PublicJWK []byte
	// Private is the sealed PKCS #8 private key.
	Private []byte
	// NotBefore and NotAfter bound when the key signs; PublishUntil is
	// when its public half leaves the JWKS (NotAfter plus the access
	// token lifetime, so that every token it signed has expired).
	NotBefore, NotAfter, PublishUntil time.Time
}

// RefreshRecord is one refresh token, stored by its SHA-256 hash.
type RefreshRecord struct {
	Hash      []byte
	Family    string
	Subject   string
	ClientID  string
	Roles     []string
	Scopes    []string
	Tenant    string
	ExpiresAt time.Time
}

// AccessRecord is one issued access token, kept so that every token of a
// subject or family can be revoked.
type AccessRecord struct {
	JTI       string
	Family    string
	Subject   string
	ExpiresAt time.Time
}

// Grant is what one issuance writes.
type Grant struct {
	Access  AccessRecord
	Refresh *RefreshRecord
}

// Revocation is a revoked access token, refused until ExpiresAt.
type Revocation struct {
	JTI       string
	ExpiresAt time.Time
}
