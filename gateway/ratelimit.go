package gateway

import (
	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/config"
)

// routeLimits returns the middlewares that run before authentication (IP
// limits) and after it (subject and claim limits, brute-force protection,
// concurrency caps) for one route.
func (g *Gateway) routeLimits(cfg *config.Config, rc config.Route) (before, after []rampart.Middleware, err error) {
	return nil, nil, nil
}
