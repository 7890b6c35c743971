package config

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-api/rampart/cors"
	"github.com/rampart-api/rampart/proxy"
	"github.com/rampart-api/rampart/route"
	"github.com/rampart-api/rampart/secureheaders"
)

// Authenticator names a route may list.
const (
	AuthNone          = "none"
	AuthJWT           = "jwt"
	AuthAPIKey        = "apikey"
	AuthIntrospection = "introspection"
)

type validator struct {
	file  string
	lines map[string]int
	diags Diagnostics
}

func (v *validator) add(sev Severity, path, format string, args ...any) {
	v.diags = append(v.diags, Problem{File: v.file, Line: v.line(path), Path: path, Message: fmt.Sprintf(format, args...), Severity: sev})
}

func (v *validator) errorf(path, format string, args ...any) { v.add(Error, path, format, args...) }
func (v *validator) warnf(path, format string, args ...any)  { v.add(Warning, path, format, args...) }

// line finds the line of path, or of its nearest parent in the file.
func (v *validator) line(path string) int {
	for path != "" {
		if l, ok := v.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// secret warns about a secret written in the file itself; resolving it
// was the loader's.
func (v *validator) secret(path string, s *Secret) {
	if s.IsSet() && !s.IsReference() && !strings.Contains(s.ref, "${") {
		v.warnf(path, "literal secret in the config file; use ${env:NAME} or ${file:PATH}")
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (v *validator) config(c *Config) {
	v.server(&c.Server)
	v.upstreams(c.Upstreams, c.Server.Timeouts.Write)
	v.headers(&c.Headers)
	v.cors(&c.CORS)
	v.authConfig(&c.Auth)
	v.rateLimits(c)
	v.validation(c)
	v.routes(c)
	v.log(&c.Log)
	v.tokens(c)
	v.admin(c)
	v.tracing(&c.Tracing)
}

func (v *validator) server(s *Server) {
	if host, port, err := net.SplitHostPort(s.Listen); err != nil {
		v.errorf("server.listen", "%q is not host:port", s.Listen)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		v.errorf("server.listen", "bad port %q", port)
	} else if host == "" || host == "0.0.0.0" || host == "::" {
		if s.TLS == nil {
			v.warnf("server.listen", "listening on every interface without TLS; put Rampart behind a TLS terminator or set server.tls")
		}
	}
	v.trustedProxies(s.TrustedProxies)
	if s.TrailingSlash != TrailingSlashStrict && s.TrailingSlash != TrailingSlashIgnore {
		v.errorf("server.trailing_slash", "%q: want strict or ignore", s.TrailingSlash)
	}
	if s.MaxBodyBytes < 0 {
		v.errorf("server.max_body_bytes", "must be positive")
	}
	if s.MaxBufferedBytes < s.MaxBodyBytes {
		v.errorf("server.max_buffered_bytes", "%d is less than max_body_bytes (%d): a body at the limit could never be buffered", s.MaxBufferedBytes, s.MaxBodyBytes)
	}
	switch {
	case s.MaxUploadsPerClient < -1:
		v.errorf("server.max_uploads_per_client", "%d; want -1 (no cap) or a count", s.MaxUploadsPerClient)
	case s.MaxUploadsPerClient == -1:
		v.warnf("server.max_uploads_per_client", "no per-client cap on bodies being received: one client can hold the whole max_buffered_bytes with slow uploads")
	}
	switch f := s.HeapFloorBytes(); {
	case f < 0:
		v.errorf("server.heap_floor", "%d is negative; want a size in bytes, or 0 for none", f)
	case f > MaxHeapFloor:
		v.errorf("server.heap_floor", "%d is over 1 TiB (%d), the most accepted: the heap could grow that far before a collection; to bound the heap, set GOMEMLIMIT", f, int64(MaxHeapFloor))
	}
	if s.MaxHeaderBytes < 1024 || s.MaxHeaderBytes > 1<<20 {
		v.errorf("server.max_header_bytes", "%d is outside 1024..1048576", s.MaxHeaderBytes)
	}
	t := s.Timeouts
	for name, d := range map[string]int64{"read_header": int64(t.ReadHeader), "read": int64(t.Read), "write": int64(t.Write), "idle": int64(t.Idle), "upstream": int64(t.Upstream), "shutdown": int64(t.Shutdown), "drain_delay": int64(t.DrainDelay)} {
		if d < 0 {
			v.errorf("server.timeouts."+name, "must not be negative")
		}
	}
	if t.DrainDelay > 5*time.Minute {
		v.errorf("server.timeouts.drain_delay", "%s is over 5m: a stop would wait that long before draining", t.DrainDelay)
	}
	if t.Write > 0 && t.Upstream > t.Write {
		v.warnf("server.timeouts.upstream", "longer than the write timeout (%s): slow upstream answers would be cut off without a 504", t.Write)
	}
	if s.TLS != nil {
		ok := true
		for field, f := range map[string]string{"cert_file": s.TLS.CertFile, "key_file": s.TLS.KeyFile} {
			if f == "" {
				v.errorf("server.tls."+field, "required")
				ok = false
			} else if _, err := os.Stat(f); err != nil {
				v.errorf("server.tls."+field, "%v", unwrapPathError(err))
				ok = false
			}
		}
		// serve loads the pair only when it starts listening; loading it
		// here makes check refuse what serve would.
		if ok {
			if _, err := tls.LoadX509KeyPair(s.TLS.CertFile, s.TLS.KeyFile); err != nil {
				v.errorf("server.tls", "loading the certificate and key: %v", unwrapPathError(err))
			}
		}
	}
}

func (v *validator) upstreams(ups map[string]Upstream, write time.Duration) {
	if len(ups) == 0 {
		v.errorf("upstreams", "at least one upstream is required")
	}
	for _, name := range sortedKeys(ups) {
		u := ups[name]
		path := "upstreams." + name
		if u.URL == "" {
			v.errorf(path+".url", "required")
		} else if _, err := proxy.ParseTarget(u.URL); err != nil {
			v.featureErrors(path, err)
		}
		if u.Timeout < 0 {
			v.errorf(path+".timeout", "must not be negative")
		} else if write > 0 && u.Timeout > write {
			v.warnf(path+".timeout", "%s is longer than server.timeouts.write (%s): the client connection is cut before the upstream times out, without a 504", u.Timeout, write)
		}
		if u.DangerouslyKeepErrorBodies {
			v.warnf(path+".dangerously_keep_error_bodies", "upstream 5xx bodies (stack traces, SQL errors) reach clients")
		}
		if u.KeepUpstreamCORS {
			v.warnf(path+".keep_upstream_cors", "the upstream's own CORS headers bypass the gateway's CORS policy")
		}
		if u.KeepClientErrorPages {
			v.warnf(path+".keep_client_error_pages", "framework 4xx error pages (versions, echoed input) reach clients")
		}
	}
}

func (v *validator) headers(h *Headers) {
	if _, err := secureheaders.New(secureheaders.Config{Profile: h.Profile, Set: h.Set}); err != nil {
		v.featureErrors("headers", err)
	}
	if h.Profile == secureheaders.ProfileNone {
		v.warnf("headers.profile", "no security headers are sent")
	}
	for _, name := range []string{"Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options"} {
		for k, val := range h.Set {
			if strings.EqualFold(k, name) && val == nil {
				v.warnf("headers.set."+k, "removes %s", name)
			}
		}
	}
}

func (v *validator) cors(c *CORS) {
	cc := cors.Config{
		AllowedOrigins:   c.AllowedOrigins,
		AllowedMethods:   c.AllowedMethods,
		AllowedHeaders:   c.AllowedHeaders,
		ExposedHeaders:   c.ExposedHeaders,
		AllowCredentials: c.AllowCredentials,
		MaxAge:           c.MaxAge,
	}
	if err := cc.Validate(); err != nil {
		v.featureErrors("cors", err)
	}
	for i, o := range c.AllowedOrigins {
		if o == "*" && !c.AllowCredentials {
			v.warnf(fmt.Sprintf("cors.allowed_origins[%d]", i), "every site may read responses (without credentials)")
		}
	}
	if len(c.AllowedOrigins) == 0 && (c.AllowCredentials || len(c.AllowedMethods) > 0) {
		v.warnf("cors", "no allowed_origins: no origin gets CORS headers")
	}
}

func (v *validator) routes(c *Config) {
	if len(c.Routes) == 0 {
		v.errorf("routes", "at least one route is required: only listed routes are forwarded")
	}
	type prior struct {
		index   int
		shape   string
		methods []string
	}
	byShape := map[string][]prior{}
	fold := c.Server.CaseInsensitiveRoutes
	for i, r := range c.Routes {
		path := fmt.Sprintf("routes[%d]", i)
		shape, err := route.Shape(r.Pattern())
		if r.Path == "" {
			v.errorf(path+".path", "required")
		} else if err != nil {
			v.errorf(path+".path", "%q: %v", r.Path, err)
		}
		if r.Deny {
			v.denied(path, r)
		}
		for j, m := range r.Methods {
			if !route.ValidMethod(strings.ToUpper(m)) {
				v.errorf(fmt.Sprintf("%s.methods[%d]", path, j), "%q is not a method", m)
			}
		}
		if err == nil {
			// Routes are grouped by their shape with case folded as the
			// route table folds it. With case_insensitive_routes, shapes
			// that differ only in case are one route. Without it, the
			// table refuses them: an upstream that ignores case would
			// serve both from one handler under different policies.
			methods := route.Methods(r.MatchMethods())
			key := strings.ToLower(shape)
			reported := false
			for _, p := range byShape[key] {
				switch {
				case (fold || p.shape == shape) && overlap(methods, p.methods):
					v.errorf(path, "duplicate route: %s %s overlaps routes[%d] (%s %s)%s",
						strings.Join(methods, ","), r.Path, p.index, strings.Join(p.methods, ","), c.Routes[p.index].Path, caseNote(fold, p.shape != shape))
				case !fold && p.shape != shape && !reported:
					reported = true
					v.errorf(path, "%s differs from routes[%d] (%s) only in letter case: an upstream that ignores case would serve both under different policies; write one spelling",
						r.Path, p.index, c.Routes[p.index].Path)
				}
			}
			byShape[key] = append(byShape[key], prior{i, shape, methods})
		}
		if r.Deny {
			continue
		}
		if r.Upstream == "" {
			v.errorf(path+".upstream", "required")
		} else if _, ok := c.Upstreams[r.Upstream]; !ok {
			v.errorf(path+".upstream", "unknown upstream %q (have %s)", r.Upstream, strings.Join(sortedKeys(c.Upstreams), ", "))
		}
		switch r.MethodOverride {
		case "", "refuse":
		case "allow":
			v.warnf(path+".method_override", "allow: a POST with X-HTTP-Method-Override or ?_method= is authorized, validated and forwarded as the method it names")
		default:
			v.errorf(path+".method_override", "%q is not one of refuse, allow", r.MethodOverride)
		}
		v.routeAuth(c, path, &c.Routes[i])
	}
}

// denied checks a deny route: it forwards nothing, so anything that would
// configure forwarding is a mistake.
func (v *validator) denied(path string, r Route) {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"upstream", r.Upstream != ""}, {"methods", len(r.Methods) > 0}, {"auth", len(r.Auth) > 0},
		{"roles", len(r.Roles) > 0}, {"scopes", len(r.Scopes) > 0}, {"owner", r.Owner != nil},
		{"tenant", r.Tenant != nil}, {"rate_limit", r.RateLimit != nil}, {"brute_force", r.BruteForce != nil},
		{"waf", r.WAF != nil},
	} {
		if f.set {
			v.errorf(path+"."+f.name, "a denied route forwards nothing; remove %s", f.name)
		}
	}
}

func caseNote(fold, differ bool) string {
	if fold && differ {
		return " when case is ignored (server.case_insensitive_routes)"
	}
	return ""
}

func overlap(a, b []string) bool {
	for _, m := range a {
		if m == "*" || slices.Contains(b, m) || slices.Contains(b, "*") {
			return true
		}
	}
	return false
}

func (v *validator) log(l *Log) {
	switch l.Level {
	case "debug", "info", "warn", "error":
	default:
		v.errorf("log.level", "%q is not one of debug, info, warn, error", l.Level)
	}
	for _, f := range []struct{ field, target string }{{"server", l.Server}, {"access", l.Access}, {"events", l.Events}} {
		switch f.target {
		case "", "off", "stderr", "stdout":
			continue
		}
		// serve creates the file; check makes sure it could, without
		// creating it.
		if fi, err := os.Stat(f.target); err == nil && fi.IsDir() {
			v.errorf("log."+f.field, "%s is a folder", f.target)
		} else if dir, err := os.Stat(filepath.Dir(f.target)); err != nil {
			v.errorf("log."+f.field, "folder of %s: %v", f.target, unwrapPathError(err))
		} else if !dir.IsDir() {
			v.errorf("log."+f.field, "%s is not a folder", filepath.Dir(f.target))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
