package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/jwt"
)

// Options are the sources metrics read at scrape time.
type Options struct {
	// Version, Revision and GoVersion label rampart_build_info.
	Version, Revision, GoVersion string
	// InFlight returns the number of requests being served; nil leaves
	// rampart_in_flight_requests out.
	InFlight func() int64
	// KeySets returns the JWT issuers' key sets of the configuration
	// being served; nil leaves the rampart_jwks_* metrics out.
	KeySets func() []jwt.KeySetStatus
	// LogLinesDropped returns the log lines lost so far because their
	// output did not keep up or refused them (see
	// [audit.BufferedWriter.Dropped]); nil leaves
	// rampart_log_lines_dropped_total out.
	LogLinesDropped func() uint64
}

// Metrics holds the collectors. It is safe for concurrent use.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	upstreamErrors *prometheus.CounterVec
	events         *prometheus.CounterVec
	rateLimited    prometheus.Counter
	lockouts       prometheus.Counter
	storeDown      *prometheus.CounterVec
	storeUp        *prometheus.CounterVec
	reloads        *prometheus.CounterVec
}

var _ audit.Observer = (*Metrics)(nil)

// Unmatched is the route label of requests no route matched.
const Unmatched = "unmatched"

// New registers every collector on a new registry, with the Go runtime
// and process collectors.
func New(o Options) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rampart_requests_total",
		Help: "Requests answered, by route pattern, method and status class.",
	}, []string{"route", "method", "status_class"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rampart_request_duration_seconds",
		Help:    "Time from a request's arrival to its last byte, by route pattern and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method"})
	m.upstreamErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rampart_upstream_errors_total",
		Help: "Requests the upstream did not answer, by upstream and kind (timeout, unreachable).",
	}, []string{"upstream", "kind"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rampart_security_events_total",
		Help: "Security events, by event and OWASP API Top 10 category (empty when none).",
	}, []string{"event", "owasp"})
	m.rateLimited = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rampart_ratelimit_rejected_total",
		Help: "Requests refused by a rate limit, a concurrency cap or a brute-force lockout (ratelimit.exceeded events).",
	})
	m.lockouts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rampart_bruteforce_lockouts_total",
		Help: "Brute-force lockouts started (bruteforce.locked events).",
	})
	m.storeDown = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rampart_store_unavailable_total",
		Help: "Outages of a rate-limit or brute-force store: each is when rate_limits.on_store_error took effect.",
	}, []string{"store"})
	m.storeUp = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rampart_store_recovered_total",
		Help: "Recoveries of a rate-limit or brute-force store after an outage.",
	}, []string{"store"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rampart_config_reloads_total",
		Help: "Configuration reloads, by result (success, failure).",
	}, []string{"result"})
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "rampart_build_info",
		Help:        "Always 1; the labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": o.Version, "revision": o.Revision, "go_version": o.GoVersion},
	})
	build.Set(1)
	// Reloads that have not happened yet still show as 0.
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	m.reg.MustRegister(m.requests, m.duration, m.upstreamErrors, m.events, m.rateLimited, m.lockouts,
		m.storeDown, m.storeUp, m.reloads, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if o.InFlight != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rampart_in_flight_requests",
			Help: "Requests being served, on the current configuration and on retired ones finishing.",
		}, func() float64 { return float64(o.InFlight()) }))
	}
	if o.KeySets != nil {
		m.reg.MustRegister(keySetCollector(o.KeySets))
	}
	if o.LogLinesDropped != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "rampart_log_lines_dropped_total",
			Help: "Access log lines lost because the log's output stalled past the buffer or refused them.",
		}, func() float64 { return float64(o.LogLinesDropped()) }))
	}
	return m
}

// Registry is the registry the collectors are on; more may be added.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// ObserveRequest counts a finished request.
func (m *Metrics) ObserveRequest(r *http.Request, o audit.Outcome) {
	route := Unmatched
	if info := rampart.InfoFrom(r.Context()); info != nil && info.Route != "" {
		route = info.Route
	}
	method := MethodClass(r.Method)
	m.requests.WithLabelValues(route, method, StatusClass(o.Status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(o.Duration.Seconds())
}

// ObserveEvent counts a security event, and what it says about upstreams,
// limits, stores and reloads.
func (m *Metrics) ObserveEvent(_ *http.Request, e audit.Event) {
	m.events.WithLabelValues(e.Name, e.OWASP).Inc()
	switch e.Name {
	case audit.UpstreamUnavailable:
		kind := "unreachable"
		if e.Status == http.StatusGatewayTimeout {
			kind = "timeout"
		}
		m.upstreamErrors.WithLabelValues(attr(e, "upstream"), kind).Inc()
	case audit.RateLimitExceeded:
		m.rateLimited.Inc()
	case audit.BruteForceLocked:
		m.lockouts.Inc()
	case audit.StoreUnavailable:
		m.storeDown.WithLabelValues(attr(e, "store")).Inc()
	case audit.StoreRecovered:
		m.storeUp.WithLabelValues(attr(e, "store")).Inc()
	case audit.ConfigReloaded:
		m.reloads.WithLabelValues("success").Inc()
	case audit.ConfigRejected:
		m.reloads.WithLabelValues("failure").Inc()
	}
}

// attr returns the event's string attribute key, or "unknown".
func attr(e audit.Event, key string) string {
	for _, a := range e.Attrs {
		if a.Key == key {
			return a.Value.String()
		}
	}
	return "unknown"
}

// MethodClass is the method label: the method itself for the standard
// ones, "OTHER" for anything else, so that clients cannot create series.
func MethodClass(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// StatusClass is the status label: "2xx" for 200 to 299, and so on;
// "other" outside 100 to 599.
func StatusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return statusClasses[status/100-1]
}

// keySetCollector reports the JWT key sets at scrape time.
type keySetCollector func() []jwt.KeySetStatus

var (
	jwksKeysDesc    = prometheus.NewDesc("rampart_jwks_keys", "Verification keys held per JWT issuer; 0 for a remote set not yet fetched.", []string{"issuer", "source"}, nil)
	jwksFetchesDesc = prometheus.NewDesc("rampart_jwks_fetches_total", "Fetches of a remote JWT key set (JWKS URL or discovery), by result.", []string{"issuer", "result"}, nil)
)

func (c keySetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jwksKeysDesc
	ch <- jwksFetchesDesc
}

func (c keySetCollector) Collect(ch chan<- prometheus.Metric) {
	for _, ks := range c() {
		source := "static"
		if ks.Remote {
			source = "remote"
		}
		ch <- prometheus.MustNewConstMetric(jwksKeysDesc, prometheus.GaugeValue, float64(ks.Keys), ks.Issuer, source)
		if ks.Remote {
			ch <- prometheus.MustNewConstMetric(jwksFetchesDesc, prometheus.CounterValue, float64(ks.Fetches), ks.Issuer, "success")
			ch <- prometheus.MustNewConstMetric(jwksFetchesDesc, prometheus.CounterValue, float64(ks.FetchFailures), ks.Issuer, "failure")
		}
	}
}
