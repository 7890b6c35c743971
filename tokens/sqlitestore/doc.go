// Package sqlitestore keeps the token service's state in a SQLite file
// (modernc.org/sqlite, pure Go) in WAL mode: the default store, for one
// gateway or several on one machine sharing the file.
//
//	st, err := sqlitestore.Open(ctx, "/var/lib/rampart/tokens.db")
//	if err != nil { … }
//	svc, err := tokens.New(tokens.Config{Store: st, …})
package sqlitestore
