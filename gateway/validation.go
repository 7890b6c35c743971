package gateway

import (
	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/config"
)

// routeValidation returns the request validation and WAF middlewares of
// one route, which run after authorization and before the proxy.
func (g *Gateway) routeValidation(cfg *config.Config, rc config.Route) ([]rampart.Middleware, error) {
	return nil, nil
}
