package main

import (
	"net/http"

	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/problem"
)

// revokeSubjectHandler is the admin listener's POST /tokens/revoke?sub=:
// it revokes every token of a subject through the running gateway's token
// service, found at each request so that a reload is followed; 404 when
// the configuration has no tokens block.
func revokeSubjectHandler(srv *gateway.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := srv.Gateway()
		if g == nil || g.TokenService() == nil {
			problem.Write(w, r, problem.New(http.StatusNotFound, "no token service configured"))
			return
		}
		g.TokenService().RevokeSubjectHandler().ServeHTTP(w, r)
	})
}
