// Package admin is Rampart's admin listener: GET /healthz (the process
// is alive), GET /readyz (every dependency is ready and no stop has
// begun), GET /metrics (Prometheus) and, when enabled, /debug/pprof/.
// Other features mount their own handlers on it with [Server.Handle]; a
// security console, for instance, serves its page and event stream there.
//
// The listener is meant for loopback. When a token is set every request,
// mounted handlers included, must carry "Authorization: Bearer <token>",
// compared in constant time, except the probes: /healthz and /readyz
// answer without it (kubelets and container health checks cannot carry a
// secret), /readyz then with its status only, not the dependencies that
// are not ready. rampart check refuses a non-loopback address without a
// token.
//
//	s := admin.New(admin.Options{Ready: srv.Ready, Metrics: m.Handler()})
//	s.Handle("GET /console/", consoleHandler)
//	go s.Serve(ctx, ln)
package admin
