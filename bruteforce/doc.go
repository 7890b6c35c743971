// Package bruteforce stops password guessing and credential stuffing on
// login routes without changing the API behind them. It reads the username
// from the query string, the request body (JSON, URL-encoded or
// multipart; passed on intact) and Authorization: Basic credentials, counts each attempt per username and per
// client IP before forwarding it, in one atomic store step, and refunds
// the attempt when the upstream's answer is not a failure (401/403 by
// default); too many failures lock the key out for exponentially growing
// periods. Counting first means concurrent attempts cannot exceed the
// limits. A locked request gets the same 429 as any rate limit, so the
// answer reveals nothing about which usernames exist. A login request
// whose username cannot be read unambiguously (an oversized, encoded or
// non-UTF-8 body, unreadable Basic credentials, a username that is not one
// string or that differs between query, body and Basic credentials) is
// refused rather than counted per IP only.
//
// The [Guard] example locks a username out.
//
// Gateways that must share lockouts use package bruteforce/redis as Store.
package bruteforce
