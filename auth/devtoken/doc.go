// Package devtoken is the library behind "rampart token": it makes signing
// keys for development ([Keygen]), signs development tokens with them
// ([Mint]) and shows what a token says ([Inspect]) — stating plainly that
// nothing was verified unless a key set was given.
//
// The [Mint] and [Inspect] examples show a token made and read back.
//
// Tokens are signed with github.com/golang-jwt/jwt/v5 and key sets written
// with github.com/MicahParks/jwkset. These tokens are for development and
// tests: production tokens come from an identity provider.
package devtoken
