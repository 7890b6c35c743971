package config

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
)

// Admin is the admin listener: health, readiness, Prometheus metrics and,
// when asked for, pprof. It is off unless Listen is set, and read once at
// start: a reload does not change it.
type Admin struct {
	// Listen is host:port. Without Token it must be a loopback address:
	// metrics and readiness describe the deployment to whoever can reach
	// them.
	Listen string `yaml:"listen"`
	// Token, a secret reference, makes every admin request carry
	// "Authorization: Bearer <token>"; it is required for a listen
	// address other than loopback.
	Token Secret `yaml:"token"`
	// Pprof serves net/http/pprof under /debug/pprof/.
	Pprof bool `yaml:"pprof"`
	// Console serves the security console at / on the admin listener:
	// its page and assets load without the token, its data
	// (/api/summary, /events/stream) needs it when Token is set. Default
	// true: the console shows no more than metrics and the event log,
	// behind the same access rules.
	Console *bool `yaml:"console"`
}

// Enabled reports whether the admin listener runs.
func (a Admin) Enabled() bool { return a.Listen != "" }

// ConsoleEnabled reports whether the admin listener serves the security
// console.
func (a Admin) ConsoleEnabled() bool { return a.Enabled() && (a.Console == nil || *a.Console) }

// Tracing configures W3C trace context and span export. The trace
// context is always propagated to upstreams; spans are exported only when
// OTLPEndpoint is set. Read once at start.
type Tracing struct {
	// OTLPEndpoint is the OTLP/HTTP collector's base URL, such as
	// http://127.0.0.1:4318; spans go to its /v1/traces.
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// SampleRatio is the share of new traces sampled, 0 to 1; a request
	// that arrives with a trace context follows its sampled flag.
	// Default 1.
	SampleRatio *float64 `yaml:"sample_ratio"`
	// ServiceName is the service.name resource attribute; default
	// "rampart".
	ServiceName string `yaml:"service_name"`
}

// DefaultSampleRatio is tracing.sample_ratio when unset.
const DefaultSampleRatio = 1.0

// Ratio returns SampleRatio or its default.
func (t Tracing) Ratio() float64 {
	if t.SampleRatio == nil {
		return DefaultSampleRatio
	}
	return *t.SampleRatio
}

// IsLoopback reports whether a listen address binds only loopback
// interfaces: an IP literal in 127.0.0.0/8 or ::1, or "localhost".
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func (v *validator) admin(c *Config) {
	a := &c.Admin
	v.secret("admin.token", &a.Token)
	if !a.Enabled() {
		if a.Token.IsSet() || a.Pprof || a.Console != nil {
			v.warnf("admin", "admin.listen is not set: the admin listener is off and its other settings do nothing")
		}
		return
	}
	_, port, err := net.SplitHostPort(a.Listen)
	if p, perr := strconv.Atoi(port); err != nil || perr != nil || p < 0 || p > 65535 {
		v.errorf("admin.listen", "%q is not host:port", a.Listen)
		return
	}
	if a.Listen == c.Server.Listen {
		v.errorf("admin.listen", "%q is server.listen too: the admin listener needs an address of its own", a.Listen)
	}
	if !IsLoopback(a.Listen) && !a.Token.IsSet() {
		v.errorf("admin.listen", "%q is not a loopback address and admin.token is not set: metrics, readiness and pprof would be open to the network; listen on 127.0.0.1 or set admin.token", a.Listen)
	}
	if a.Token.IsSet() && len(a.Token.Value()) > 0 && len(a.Token.Value()) < 16 {
		v.errorf("admin.token", "shorter than 16 bytes: a guessable admin token")
	}
	if a.Pprof && !IsLoopback(a.Listen) {
		v.warnf("admin.pprof", "pprof on a non-loopback admin listener: profiles reveal memory contents and can be made to cost CPU")
	}
}

func (v *validator) tracing(t *Tracing) {
	if t.SampleRatio != nil && (*t.SampleRatio < 0 || *t.SampleRatio > 1) {
		v.errorf("tracing.sample_ratio", "%v is outside 0..1", *t.SampleRatio)
	}
	if t.OTLPEndpoint == "" {
		return
	}
	u, err := url.Parse(t.OTLPEndpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.errorf("tracing.otlp_endpoint", "%q is not an http or https URL", t.OTLPEndpoint)
		return
	}
	if u.User != nil {
		v.errorf("tracing.otlp_endpoint", "credentials in the URL; the collector must be reached without them")
	}
	if u.Scheme == "http" && !IsLoopback(net.JoinHostPort(u.Hostname(), "0")) {
		v.warnf("tracing.otlp_endpoint", "spans (routes, client IPs, trace ids) go to %s in clear text", u.Host)
	}
}
