package console

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-api/rampart/audit"

	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/secureheaders"
)

//go:embed static
var static embed.FS

// CSP is the console page's Content-Security-Policy: its own scripts,
// styles and connections only, nothing inline, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

var headers = func() *secureheaders.Headers {
	csp := CSP
	h, err := secureheaders.New(secureheaders.Config{Profile: secureheaders.ProfileAPI, Set: map[string]*string{"Content-Security-Policy": &csp}})
	if err != nil {
		panic(err) // a literal configuration
	}
	return h
}()

// Windows the summary accepts, in seconds.
var windows = map[int]bool{60: true, 300: true, 900: true, 3600: true}

// Handler serves the console: the page at "/", its assets under
// "/assets/", GET /api/summary and GET /events/stream. Every response
// carries the api header profile with [CSP]. It does no access control:
// mount it behind a token check that lets [Public] requests through (a
// browser cannot add a header to a page load; the page then asks for the
// token and sends it with every data request). Mount it at a path ending
// in "/" (the page uses relative URLs), e.g. with http.StripPrefix.
func (c *Console) Handler() http.Handler {
	assets, _ := fs.Sub(static, "static")
	files := http.FileServerFS(assets)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, r, assets, "index.html")
	})
	mux.HandleFunc("GET /assets/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if _, err := fs.Stat(assets, name); err != nil || name == "index.html" {
			writeProblem(w, http.StatusNotFound, "not found")
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r2)
	})
	mux.HandleFunc("GET /api/summary", c.serveSummary)
	mux.HandleFunc("GET /events/stream", c.serveStream)
	return headers.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeProblem(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			writeProblem(w, http.StatusNotFound, "not found")
			return
		}
		mux.ServeHTTP(w, r)
	}))
}

// Public reports whether r, as [Console.Handler] sees it, asks for the page
// or one of its assets: files that are the same for everyone and carry no
// data, which a browser loads before it has a token. Everything else, the
// summary and the event stream, needs the token.
func Public(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	return p == "/" || (strings.HasPrefix(p, "/assets/") && !strings.Contains(p[len("/assets/"):], "/"))
}

func serveFile(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		writeProblem(w, http.StatusNotFound, "not found")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// writeProblem answers with a problem+json whose detail is the console's
// own text, never anything from the request.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	p := problem.New(status, detail)
	p.Detail = detail
	if status == http.StatusMethodNotAllowed {
		p.WithHeader("Allow", "GET, HEAD")
	}
	problem.Write(w, nil, p)
}

// Summary is the JSON body of GET /api/summary.
type Summary struct {
	Now        int64 `json:"now"`
	Started    int64 `json:"started"`
	Window     int   `json:"window_s"`
	Resolution int   `json:"resolution_s"`
	Health     struct {
		Health
		// Gateway is "serving": the console answers from inside the
		// gateway process.
		Gateway string `json:"gateway"`
		// Ready is "ready" or "not ready", the admin listener's
		// readiness, when the console was given [Config.Ready];
		// NotReady then names each dependency that is not ready.
		Ready    string   `json:"ready,omitempty"`
		NotReady []string `json:"not_ready,omitempty"`
	} `json:"health"`
	// ConfigVersion counts the configurations the gateway has run since
	// the console started: 1, plus one per applied reload.
	ConfigVersion int64          `json:"config_version"`
	Totals        Point          `json:"totals"`
	Series        []Point        `json:"series"`
	ByEvent       []Named        `json:"by_event"`
	ByOWASP       []Category     `json:"by_owasp"`
	TopIPs        []Count        `json:"top_client_ips"`
	TopSubject    []Count        `json:"top_subjects"`
	TopRoutes     []Count        `json:"top_routes"`
	RateLimits    []Count        `json:"rate_limit_policies"`
	Lockouts      []Lockout      `json:"lockouts"`
	Config        []ConfigChange `json:"config_history"`
	Recent        []Event        `json:"recent_events"`
	Stream        streamStats    `json:"stream"`
}

// Summarize returns the aggregates over the last window seconds (rounded
// up to whole buckets, at most an hour). Top tables cover the last 30 to
// 60 minutes whatever the window.
func (c *Console) Summarize(window int) Summary {
	now := c.now()
	n := (window + int(BucketWidth.Seconds()) - 1) / int(BucketWidth.Seconds())
	n = max(1, min(n, Buckets))
	var s Summary
	s.Now, s.Started, s.Window, s.Resolution = now.Unix(), c.start.Unix(), window, int(BucketWidth.Seconds())
	s.Series = c.ring.series(now, n)
	var latSum float64
	for _, p := range s.Series {
		s.Totals.Requests += p.Requests
		s.Totals.Refusals += p.Refusals
		s.Totals.Events += p.Events
		s.Totals.Errors5xx += p.Errors5xx
		latSum += p.LatencyMean * float64(p.Requests)
		s.Totals.LatencyMax = max(s.Totals.LatencyMax, p.LatencyMax)
	}
	if s.Totals.Requests > 0 {
		s.Totals.LatencyMean = latSum / float64(s.Totals.Requests)
	}
	e := c.agg.summary(now, n, 10)
	s.Health.Health, s.Health.Gateway = e.health, "serving"
	s.ByEvent, s.ByOWASP = nonNil(e.byEvent), e.byOWASP
	s.TopIPs, s.TopSubject, s.TopRoutes, s.RateLimits = e.ips, e.subjects, e.routes, e.policies
	s.Lockouts, s.Config = nonNil(e.lockouts), nonNil(e.config)
	s.ConfigVersion = 1 + e.reloads
	s.Recent = make([]Event, len(e.recent))
	for i, ev := range e.recent {
		s.Recent[i] = ev.event()
	}
	s.Stream = c.stream.stats()
	return s
}

// readyTimeout bounds one readiness check.
const readyTimeout = 3 * time.Second

// readiness runs the readiness check: "ready", or "not ready" and one
// line per dependency, redacted and cut to 256 bytes; "" without a check.
func (c *Console) readiness(ctx context.Context) (string, []string) {
	if c.cfg.Ready == nil {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	err := c.cfg.Ready(ctx)
	if err == nil {
		return "ready", nil
	}
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l != "" && len(lines) < 16 {
			lines = append(lines, cut(audit.Redact(l), maxValueLen))
		}
	}
	return "not ready", lines
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// serveSummary is GET /api/summary?window=SECONDS, window one of 60, 300,
// 900 (default) or 3600.
func (c *Console) serveSummary(w http.ResponseWriter, r *http.Request) {
	window := 900
	if v := r.URL.Query().Get("window"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !windows[n] {
			writeProblem(w, http.StatusBadRequest, "window must be one of 60, 300, 900, 3600")
			return
		}
		window = n
	}
	s := c.Summarize(window)
	s.Health.Ready, s.Health.NotReady = c.readiness(r.Context())
	b, err := json.Marshal(s)
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
