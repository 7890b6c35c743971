// Package apikey authenticates requests by an API key sent in a header
// (default X-API-Key). Keys are stored only as SHA-256 hashes, each mapped
// to a subject, roles, scopes and an optional tenant; the keys come from
// config entries or a keys file (YAML, or JSON lines).
//
// [NewKey] makes a key and the hash to store; [New] builds the
// [Authenticator] from the hashes, for package auth (see the examples).
//
// Why SHA-256 and not argon2id: API keys made by [NewKey] carry 256 bits
// of randomness, so a leaked hash cannot be reversed by guessing and a slow
// password hash adds nothing. A per-request argon2id (tens of milliseconds
// and tens of MiB each, with a salt that rules out an index) would instead
// hand anyone able to send junk keys a way to exhaust the gateway's CPU and
// memory. Human-chosen passwords do not belong in this package.
package apikey
