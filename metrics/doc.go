// Package metrics keeps Rampart's Prometheus metrics on a registry of its
// own (never the global one), fed by the same security events and request
// outcomes the logs get: a [*Metrics] is an [audit.Observer], subscribed
// to the gateway's [audit.Hub].
//
//	hub := audit.NewHub()
//	m := metrics.New(metrics.Options{InFlight: srv.InFlight})
//	hub.Subscribe(m)
//	srv, _ := gateway.NewServer(cfg, gateway.Options{Hub: hub})
//	adminMux.Handle("GET /metrics", m.Handler())
//
// Label values are bounded: routes are the configuration's patterns, never
// raw paths ("unmatched" when no route matched), methods outside the
// standard ones are "OTHER", statuses are classes ("2xx"), and upstream,
// store and issuer names come from the configuration. The registry
// belongs to whoever calls [New], not to a compiled configuration, so
// counters survive reloads.
package metrics
