package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/internal/notedoc"
)

type scenario struct {
	name    string
	about   string
	status  int
	build   func(upstream *url.URL) (http.Handler, func(), error)
	request func(base string, i int) *http.Request
}

func gomaxprocs() int { return runtime.GOMAXPROCS(0) }

func get(path string) func(string, int) *http.Request {
	return func(base string, _ int) *http.Request {
		r, _ := http.NewRequest("GET", base+path, nil)
		r.Header.Set("Origin", "https://app.example.com")
		return r
	}
}

var scenarios = []scenario{
	{
		name: "direct", about: "the upstream itself, no proxy", status: 200,
		build:   func(*url.URL) (http.Handler, func(), error) { return upstream(), nil, nil },
		request: get("/api/notes/42"),
	},
	{
		name: "bare", about: "httputil.ReverseProxy with Rewrite and X-Forwarded-*", status: 200,
		build:   func(u *url.URL) (http.Handler, func(), error) { return bareProxy(u), nil, nil },
		request: get("/api/notes/42"),
	},
	{
		name: "core", about: "Rampart: helmet headers, CORS, request id, client IP, path normalisation, error scrubbing, access log", status: 200,
		build:   rampart(coreYAML, nil),
		request: get("/api/notes/42"),
	},
	{
		name: "jwt", about: "core + ES256 JWT on every request, 1,000 distinct tokens, role rule", status: 200,
		build: rampart(jwtYAML, setupJWT),
		request: func(base string, i int) *http.Request {
			r := get("/api/notes/42")(base, i)
			r.Header.Set("Authorization", "Bearer "+jwtTokens[i%len(jwtTokens)])
			return r
		},
	},
	{
		name: "ratelimit", about: "core + a memory rate limit on every request (never reached)", status: 200,
		build:   rampart(coreYAML+rateLimitYAML, nil),
		request: get("/api/notes/42"),
	},
	{
		name: "validate", about: "core + OpenAPI request validation and response filtering", status: 200,
		build:   rampart(validateYAML, writeOpenAPI),
		request: get("/api/notes/42"),
	},
	{
		name: "waf", about: "core + Coraza with the OWASP CRS, paranoia 1", status: 200,
		build:   rampart(wafYAML, nil),
		request: get("/api/notes/42"),
	},
}

func scenarioNames() []string {
	var n []string
	for _, s := range scenarios {
		n = append(n, s.name)
	}
	return n
}

func findScenario(name string) (scenario, bool) {
	for _, s := range scenarios {
		if s.name == name {
			return s, true
		}
	}
	return scenario{}, false
}

const coreYAML = `
upstreams:
  app: {url: %s}
cors:
  allowed_origins: [https://app.example.com]
  allowed_methods: [GET, POST]
  allow_credentials: true
routes:
  - path: /api/notes/{id}
    methods: [GET]
    upstream: app
    auth: none
`

const rateLimitYAML = `
rate_limits:
  store: memory
  default: [{key: ip, limit: 1000000, window: 1s}]
`

const wafYAML = `
upstreams:
  app: {url: %s}
cors:
  allowed_origins: [https://app.example.com]
  allowed_methods: [GET, POST]
  allow_credentials: true
routes:
  - path: /api/notes/{id}
    methods: [GET]
    upstream: app
    auth: none
    waf: {enabled: true, paranoia: 1}
`

const validateYAML = `
upstreams:
  app:
    url: %s
    openapi: %s
cors:
  allowed_origins: [https://app.example.com]
  allowed_methods: [GET, POST]
  allow_credentials: true
routes:
  - path: /api/notes/{id}
    methods: [GET]
    upstream: app
    auth: none
`

func writeOpenAPI(dir string) (string, error) {
	path := filepath.Join(dir, "openapi.yaml")
	return path, os.WriteFile(path, notedoc.Document("3.0.3"), 0o600)
}

const jwtYAML = `
upstreams:
  app: {url: %s}
cors:
  allowed_origins: [https://app.example.com]
  allowed_methods: [GET, POST]
  allow_credentials: true
auth:
  jwt:
    issuers:
      - issuer: https://bench.rampart.invalid/
        audience: [bench]
        algorithms: [ES256]
        jwks_file: %s
routes:
  - path: /api/notes/{id}
    methods: [GET]
    upstream: app
    auth: jwt
    roles: [user]
`

var jwtTokens []string

// setupJWT makes a key, writes its JWKS and mints 1,000 tokens.
func setupJWT(dir string) (string, error) {
	k, err := devtoken.Keygen("ES256")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "jwks.json")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := k.WriteJWKS(f); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	jwtTokens = jwtTokens[:0]
	for i := range 1000 {
		tok, err := devtoken.Mint(devtoken.MintConfig{Key: k, Subject: fmt.Sprintf("user-%d", i), Roles: []string{"user"}, Audience: []string{"bench"}, Issuer: "https://bench.rampart.invalid/", TTL: time.Hour})
		if err != nil {
			return "", err
		}
		jwtTokens = append(jwtTokens, tok)
	}
	return path, nil
}

// rampart builds a gateway from a YAML template whose first %s is the
// upstream URL and whose second, if setup is given, is what setup returns.
func rampart(tmpl string, setup func(dir string) (string, error)) func(*url.URL) (http.Handler, func(), error) {
	return func(u *url.URL) (http.Handler, func(), error) {
		dir, err := os.MkdirTemp("", "rampart-bench-")
		if err != nil {
			return nil, nil, err
		}
		args := []any{u.String()}
		if setup != nil {
			extra, err := setup(dir)
			if err != nil {
				return nil, nil, err
			}
			args = append(args, extra)
		}
		cfg, diags := config.Parse([]byte(fmt.Sprintf(tmpl, args...)), filepath.Join(dir, "bench.yaml"))
		if diags.HasErrors() {
			return nil, nil, diags.Err()
		}
		logOut := audit.NewBufferedWriter(io.Discard, 200*time.Millisecond)
		gw, err := gateway.New(cfg, gateway.Options{Access: audit.NewAccessLog(slog.NewJSONHandler(logOut, nil))})
		if err != nil {
			return nil, nil, err
		}
		return gw, func() { gw.Close(); logOut.Close(); os.RemoveAll(dir) }, nil
	}
}
