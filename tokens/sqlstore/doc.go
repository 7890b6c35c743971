// Package sqlstore is the [tokens.Store] over database/sql shared by
// package tokens/sqlitestore and package tokens/pgstore: one set of
// statements, written with ? placeholders and rewritten for PostgreSQL,
// and versioned schema migrations recorded in the table
// rampart_tokens_migrations.
//
// Library users open a store with sqlitestore.Open or pgstore.Open; this
// package is what they share.
package sqlstore
