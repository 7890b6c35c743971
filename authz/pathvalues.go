package authz

import (
	"net/http"

	"github.com/rampart-api/rampart"
)

// PathValues returns a middleware that copies the named path parameters a
// Go 1.22 [http.ServeMux] pattern matched ([http.Request.PathValue]) into
// the request's [rampart.Info], where [Authorizer] owner and tenant rules
// read them. It lets a service route with the standard library and still
// declare "the {id} in the path must be the caller":
//
//	mux.Handle("GET /users/{id}", rampart.Chain(app, authn.Handler, authz.PathValues("id"), owner.Handler))
//
// It must run inside the handler the mux dispatched to, after the match;
// in front of the mux there are no path values yet. It trusts the mux's
// match and nothing else: a name the pattern does not define, or that
// matched an empty string, is not copied, so a rule naming it fails closed
// with [ErrParamMissing]. A value already in Info under the same name is
// replaced, so the one the rule reads is the one the mux routed on.
// The returned middleware is safe for concurrent use.
func PathValues(names ...string) rampart.Middleware {
	names = append([]string(nil), names...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, info := rampart.WithInfo(r)
			for _, name := range names {
				v := r.PathValue(name)
				if v == "" {
					continue
				}
				setParam(info, name, v)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func setParam(info *rampart.Info, name, value string) {
	for i := range info.Params {
		if info.Params[i].Name == name {
			info.Params[i].Value = value
			return
		}
	}
	info.Params = append(info.Params, rampart.Param{Name: name, Value: value})
}
