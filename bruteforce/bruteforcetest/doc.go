// Package bruteforcetest holds the conformance suite for implementations
// of bruteforce.Store.
//
// The [Run] example is the whole conformance test of a store.
package bruteforcetest
