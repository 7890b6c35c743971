// Package storetest is the conformance suite every [tokens.Store] passes:
// package tokens/sqlitestore and package tokens/pgstore run it against a
// real database.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) tokens.Store { return openFresh(t) })
//	}
package storetest
