// Package console is Rampart's security console: a live web page of what
// the gateway refuses and why, and the bounded in-memory aggregates behind
// it.
//
// A [Console] is an [audit.Observer]: subscribed to the gateway's
// [audit.Hub] (gateway.Options.Hub), it folds every security event and
// request outcome into its aggregates, whether or not the logs write
// them. [Console.Handler] serves the page, its embedded assets, GET
// /api/summary and the server-sent event stream GET /events/stream, so
// any listener can mount it; rampart serve mounts it at / on the admin
// listener:
//
//	c, err := console.New(console.Config{Ready: srv.Ready})
//	…
//	hub.Subscribe(c)
//	adm := admin.New(admin.Options{Token: token, Ready: srv.Ready, Public: console.Public})
//	adm.Handle("/", c.Handler())
//
// The console does no access control of its own: whoever mounts it checks
// a token for every request but the page and its assets ([Public]). The
// page asks for that token when the API answers 401, keeps it in memory
// only (no cookie, no web storage) and sends it as "Authorization:
// Bearer", the event stream included.
//
// Memory is bounded whatever the traffic: one hour of 10-second buckets,
// top-K tables kept by the space-saving algorithm, and capped maps for
// lockouts and rate-limit policies. Counting a request is a few atomic
// additions; with no browser connected, nothing is encoded for the stream.
package console
