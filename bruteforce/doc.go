// Package bruteforce stops password guessing and credential stuffing on
// login routes without changing the API behind them. It reads the username
// from the request body (passed on intact), lets the upstream decide, and
// counts its 401/403 answers per username and per client IP; too many
// failures lock the key out for exponentially growing periods. A locked
// request gets the same 429 as any rate limit, so the answer reveals
// nothing about which usernames exist.
//
//	g, err := bruteforce.New(bruteforce.Config{
//		UsernameField: "username",
//		MaxFailures:   5,
//		Window:        15 * time.Minute,
//		Lockout:       15 * time.Minute,
//		Store:         &bruteforce.MemoryStore{},
//	})
//	if err != nil {
//		return err
//	}
//	login = g.Handler(login)
//
// Gateways that must share lockouts use package bruteforce/redis as Store.
package bruteforce
