// Package pgstore keeps the token service's state in PostgreSQL
// (jackc/pgx/v5), for gateways on several machines. Migrations run under
// an advisory lock, so gateways starting together apply each step once;
// revocations are pushed with LISTEN/NOTIFY, polling being the backstop.
//
//	st, err := pgstore.Open(ctx, "postgres://rampart@db/rampart")
//	if err != nil { … }
//	svc, err := tokens.New(tokens.Config{Store: st, …})
package pgstore
