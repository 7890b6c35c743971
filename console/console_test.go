package console_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/console"
)

const testToken = "console-test-token"

// requireToken is the access check a listener puts in front of the
// console.
func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if console.Public(r) {
			next.ServeHTTP(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="console"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func newConsole(t testing.TB, cfg console.Config) *console.Console {
	t.Helper()
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// request builds a request as the gateway would have annotated it.
func request(ip, route, subject string) *http.Request {
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/users/2?access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig", nil))
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig")
	info.RequestID = "rid-" + ip
	info.ClientIP = netip.MustParseAddr(ip)
	info.Route = route
	if subject != "" {
		info.Principal = &rampart.Principal{Subject: subject}
	}
	return r
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// observed returns an event logger and an access log that feed c through
// a hub, as a gateway with the console subscribed does; neither writes a
// line.
func observed(t testing.TB, c *console.Console) (*audit.Logger, *audit.AccessLog) {
	hub := audit.NewHub()
	t.Cleanup(hub.Subscribe(c))
	var events *audit.Logger
	var access *audit.AccessLog
	return events.Observed(hub), access.Observed(hub)
}

// The console is one more observer: the logs write the same lines with it
// subscribed, and it counts what they record.
func TestObservingLeavesTheLogsUnchanged(t *testing.T) {
	c := newConsole(t, console.Config{})
	var plain, teed bytes.Buffer
	hub := audit.NewHub()
	defer hub.Subscribe(c)()
	direct := audit.NewLogger(slog.NewJSONHandler(&plain, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	through := audit.NewLogger(slog.NewJSONHandler(&teed, &slog.HandlerOptions{ReplaceAttr: dropTime})).Observed(hub)
	accessDirect := audit.NewAccessLog(slog.NewJSONHandler(&plain, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	accessThrough := audit.NewAccessLog(slog.NewJSONHandler(&teed, &slog.HandlerOptions{ReplaceAttr: dropTime})).Observed(hub)
	r := request("203.0.113.9", "/api/users/{uid}", "alice")
	e := audit.Event{Name: audit.AuthzDenied, Reason: "not owner", OWASP: audit.OWASPBOLA, Status: 403}
	direct.Emit(r, e)
	through.Emit(r, e)
	accessDirect.Log(r, 403, 90, 2*time.Millisecond)
	accessThrough.Log(r, 403, 90, 2*time.Millisecond)
	if plain.String() != teed.String() {
		t.Fatalf("observing changed the log:\n%s\nwant\n%s", teed.String(), plain.String())
	}
	s := c.Summarize(60)
	if s.Totals.Requests != 1 || s.Totals.Refusals != 1 {
		t.Fatalf("totals %+v, want 1 request and 1 refusal", s.Totals)
	}
	ev := s.Recent[0]
	for k, want := range map[string]any{"event": audit.AuthzDenied, "reason": "not owner", "client_ip": "203.0.113.9", "route": "/api/users/{uid}", "subject": "alice", "status": int64(403)} {
		if ev[k] != want {
			t.Errorf("event %s = %v, want %v", k, ev[k], want)
		}
	}
}

func TestObservesWhenTheLogIsOff(t *testing.T) {
	c := newConsole(t, console.Config{})
	events, access := observed(t, c)
	r := request("198.51.100.7", "/api/login", "")
	events.Emit(r, audit.Event{Name: audit.AuthFailed, Reason: "token expired", OWASP: audit.OWASPAuth, Status: 401})
	access.Log(r, 401, 0, time.Millisecond)
	s := c.Summarize(60)
	if s.Totals.Requests != 1 || s.Totals.Refusals != 1 || len(s.ByEvent) != 1 || s.ByEvent[0].Name != audit.AuthFailed {
		t.Fatalf("summary %+v", s)
	}
}

// An event's own attributes reach the console; a secret in one of them
// is redacted before a browser sees it.
func TestEventAttrsAreRedacted(t *testing.T) {
	c := newConsole(t, console.Config{})
	events, _ := observed(t, c)
	events.Emit(nil, audit.Event{Name: audit.WAFBlocked, Status: 403, OWASP: audit.OWASPMisconfig,
		Attrs: []slog.Attr{slog.String("client_ip", "192.0.2.1"), slog.String("detail", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln")}})
	s := c.Summarize(60)
	if len(s.ByEvent) != 1 || s.ByEvent[0].Name != "waf.blocked" || s.ByOWASP[7].Count != 1 {
		t.Fatalf("by event %+v, by owasp %+v", s.ByEvent, s.ByOWASP)
	}
	if d, _ := s.Recent[0]["detail"].(string); strings.Contains(d, "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ") {
		t.Fatalf("detail not redacted: %q", d)
	}
}

func TestSummaryAggregates(t *testing.T) {
	c := newConsole(t, console.Config{})
	events, access := observed(t, c)
	emit := func(r *http.Request, e audit.Event) {
		events.Emit(r, e)
		access.Log(r, e.Status, 0, time.Millisecond)
	}
	// Two addresses of one IPv6 /64 are one offender.
	for _, ip := range []string{"2001:db8:1:2::10", "2001:db8:1:2:ffff::1", "2001:db8:1:2::10"} {
		emit(request(ip, "/api/users/{uid}", "mallory"), audit.Event{Name: audit.AuthzDenied, Reason: "not owner", OWASP: audit.OWASPBOLA, Status: 403})
	}
	emit(request("::ffff:192.0.2.44", "/api/login", ""), audit.Event{Name: audit.AuthFailed, Reason: "bad signature", OWASP: audit.OWASPAuth, Status: 401})
	emit(request("192.0.2.44", "/api/login", ""), audit.Event{Name: audit.RateLimitExceeded, Reason: "rate limit 10/1m0s exceeded", OWASP: audit.OWASPResource, Status: 429})
	events.Emit(request("192.0.2.44", "/api/login", ""), audit.Event{Name: audit.BruteForceLocked, Reason: "too many failed logins per username", OWASP: audit.OWASPAuth,
		Attrs: []slog.Attr{slog.String("locked_by", "username"), slog.String("lockout", "60s"), slog.String("username_hash", "AbCdEfGhIjKl")}})
	events.Emit(nil, audit.Event{Name: audit.StoreUnavailable, Reason: "redis unavailable", OWASP: audit.OWASPResource, Attrs: []slog.Attr{slog.String("store", "redis")}})
	events.Emit(request("192.0.2.45", "/api/notes", ""), audit.Event{Name: audit.UpstreamUnavailable, Reason: "upstream unreachable", Status: 502})
	events.Emit(request("192.0.2.45", "/api/notes", ""), audit.Event{Name: audit.AuthFailed, Reason: "key set unavailable", OWASP: audit.OWASPAuth, Status: 503})
	events.Emit(nil, audit.Event{Name: audit.ConfigRejected, Reason: "configuration rejected", OWASP: audit.OWASPMisconfig, Attrs: []slog.Attr{slog.Int("problems", 3)}})

	s := c.Summarize(900)
	if s.TopIPs[0] != (console.Count{Key: "2001:db8:1:2::/64", Count: 3}) {
		t.Errorf("top client networks %+v", s.TopIPs)
	}
	if s.TopIPs[1].Key != "192.0.2.44" || s.TopIPs[1].Count != 2 {
		t.Errorf("an IPv4-mapped address and its IPv4 form are one client: %+v", s.TopIPs)
	}
	if s.TopSubject[0] != (console.Count{Key: "mallory", Count: 3}) {
		t.Errorf("top subjects %+v", s.TopSubject)
	}
	counts := map[string]int64{}
	for _, n := range s.ByEvent {
		counts[n.Name] = n.Count
	}
	if counts[audit.AuthzDenied] != 3 || counts[audit.AuthFailed] != 2 || counts[audit.BruteForceLocked] != 1 {
		t.Errorf("by event %v", counts)
	}
	if s.ByOWASP[0].ID != "API1:2023" || s.ByOWASP[0].Name != "Broken Object Level Authorization" || s.ByOWASP[0].Count != 3 || s.ByOWASP[1].Count != 3 {
		t.Errorf("by owasp %+v", s.ByOWASP)
	}
	if len(s.Lockouts) != 1 || s.Lockouts[0].UsernameHash != "AbCdEfGhIjKl" || s.Lockouts[0].Until-s.Lockouts[0].Since != 60 {
		t.Errorf("lockouts %+v", s.Lockouts)
	}
	if len(s.RateLimits) != 1 || s.RateLimits[0].Key != "/api/login — rate limit 10/1m0s exceeded" {
		t.Errorf("rate limits %+v", s.RateLimits)
	}
	for _, row := range s.TopIPs {
		if row.Key == "192.0.2.45" {
			t.Errorf("a client whose requests met an upstream outage is not an offender: %+v", s.TopIPs)
		}
	}
	if s.Totals.Refusals != 5 {
		t.Errorf("refusals %d, want the five 4xx answers", s.Totals.Refusals)
	}
	h := s.Health
	if h.Upstreams != "failing" || h.IdP != "failing" || h.IdPReason != "key set unavailable" || len(h.Stores) != 1 || h.Stores[0].State != "down" {
		t.Errorf("health %+v", h)
	}
	if len(s.Config) != 1 || s.Config[0].Problems != 3 {
		t.Errorf("config history %+v", s.Config)
	}
	b, _ := json.Marshal(s)
	if bytes.Contains(b, []byte("eyJ")) || bytes.Contains(b, []byte("access_token")) {
		t.Fatalf("summary carries a token: %s", b)
	}
}

func TestLockoutsExpire(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := newConsole(t, console.Config{Now: func() time.Time { return now }})
	h := c.EventRecords()
	rec := slog.NewRecord(now, slog.LevelWarn, "security event", 0)
	rec.AddAttrs(slog.String("event", audit.BruteForceLocked), slog.String("locked_by", "client_ip"), slog.String("client_ip", "192.0.2.8"), slog.String("lockout", "60s"))
	_ = h.Handle(context.Background(), rec)
	if got := c.Summarize(60).Lockouts; len(got) != 1 || got[0].ClientIP != "192.0.2.8" {
		t.Fatalf("lockouts %+v", got)
	}
	now = now.Add(61 * time.Second)
	if got := c.Summarize(60).Lockouts; len(got) != 0 {
		t.Fatalf("expired lockout still listed: %+v", got)
	}
}

func TestTimeSeries(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := newConsole(t, console.Config{Now: func() time.Time { return now }})
	h := c.AccessRecords()
	for i, status := range []int{200, 200, 502} {
		rec := slog.NewRecord(now.Add(-time.Duration(i)*console.BucketWidth), slog.LevelInfo, "request", 0)
		rec.AddAttrs(slog.Int("status", status), slog.Float64("duration_ms", 4))
		_ = h.Handle(context.Background(), rec)
	}
	// A record older than the ring is ignored, not counted in a live bucket.
	old := slog.NewRecord(now.Add(-2*time.Hour), slog.LevelInfo, "request", 0)
	old.AddAttrs(slog.Int("status", 200))
	_ = h.Handle(context.Background(), old)

	s := c.Summarize(60)
	if len(s.Series) != 6 || s.Totals.Requests != 3 || s.Totals.Errors5xx != 1 || s.Totals.LatencyMean != 4 {
		t.Fatalf("series %+v totals %+v", s.Series, s.Totals)
	}
	for _, p := range s.Series[3:] {
		if p.Requests != 1 {
			t.Fatalf("the last three buckets should hold one request each: %+v", s.Series)
		}
	}
	now = now.Add(time.Hour - console.BucketWidth)
	if s := c.Summarize(3600); s.Totals.Requests != 1 || len(s.Series) != console.Buckets {
		t.Fatalf("an hour later only the oldest bucket is still in the ring: %+v", s.Totals)
	}
}

func TestNewRejectsNegativeBounds(t *testing.T) {
	_, err := console.New(console.Config{TopK: -1, MaxStreams: -3})
	if err == nil || !strings.Contains(err.Error(), "TopK") || !strings.Contains(err.Error(), "MaxStreams") {
		t.Fatalf("err = %v", err)
	}
}

func TestHTTP(t *testing.T) {
	c := newConsole(t, console.Config{})
	srv := httptest.NewServer(requireToken(testToken, c.Handler()))
	defer srv.Close()
	get := func(method, path string, auth bool) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+testToken)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	cases := []struct {
		name, method, path string
		auth               bool
		status             int
		ctype              string
	}{
		{"page", "GET", "/", true, 200, "text/html; charset=utf-8"},
		{"script", "GET", "/assets/app.js", true, 200, "text/javascript; charset=utf-8"},
		{"style", "GET", "/assets/app.css", true, 200, "text/css; charset=utf-8"},
		{"summary", "GET", "/api/summary?window=300", true, 200, "application/json"},
		{"no token", "GET", "/api/summary", false, 401, ""},
		{"stream without a token", "GET", "/events/stream", false, 401, ""},
		{"summary behind an asset prefix", "GET", "/assets/../api/summary", false, 401, ""},
		{"summary behind an encoded asset prefix", "GET", "/assets/..%2fapi/summary", false, 401, ""},
		{"page without a token", "GET", "/", false, 200, "text/html; charset=utf-8"},
		{"asset without a token", "GET", "/assets/app.js", false, 200, "text/javascript; charset=utf-8"},
		{"window not offered", "GET", "/api/summary?window=7", true, 400, "application/problem+json"},
		{"window not a number", "GET", "/api/summary?window=1e9", true, 400, "application/problem+json"},
		{"unknown asset", "GET", "/assets/missing.js", true, 404, "application/problem+json"},
		{"page as an asset", "GET", "/assets/index.html", true, 404, "application/problem+json"},
		{"dot segments", "GET", "/assets/..%2fconsole.go", true, 404, "application/problem+json"},
		{"unknown path", "GET", "/etc/passwd", true, 404, "application/problem+json"},
		{"stream head", "HEAD", "/events/stream", true, 200, "text/event-stream"},
		{"post", "POST", "/api/summary", true, 405, "application/problem+json"},
		{"delete page", "DELETE", "/", true, 405, "application/problem+json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := get(tc.method, tc.path, tc.auth)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.ctype != "" && res.Header.Get("Content-Type") != tc.ctype {
				t.Fatalf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tc.ctype)
			}
			if tc.status == 401 {
				return
			}
			for name, want := range map[string]string{
				"Content-Security-Policy": console.CSP,
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"X-Frame-Options":         "DENY",
			} {
				if got := res.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestPageHasNothingInline(t *testing.T) {
	c := newConsole(t, console.Config{})
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	page := w.Body.String()
	for _, bad := range []string{"<script>", "style=", "<style", "http://", "https://", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if m := regexp.MustCompile(`(?i)\son[a-z]+\s*=`).FindString(page); m != "" {
		t.Errorf("page has an inline event handler: %q", m)
	}
	w = httptest.NewRecorder()
	c.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/assets/app.js", nil))
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "localStorage", "sessionStorage", "document.cookie", "new Function"} {
		if strings.Contains(w.Body.String(), bad) {
			t.Errorf("script uses %s", bad)
		}
	}
}

func TestStream(t *testing.T) {
	c := newConsole(t, console.Config{})
	srv := httptest.NewServer(requireToken(testToken, c.Handler()))
	defer srv.Close()
	events, _ := observed(t, c)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events/stream", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(res.Body)
	if line, _ := br.ReadString('\n'); line != ": stream open\n" {
		t.Fatalf("first line %q", line)
	}
	_, _ = br.ReadString('\n')
	events.Emit(request("192.0.2.77", "/api/users/{uid}", "eve"), audit.Event{
		Name: audit.AuthzDenied, Reason: "not owner", OWASP: audit.OWASPBOLA, Status: 403,
		Attrs: []slog.Attr{slog.String("detail", "password=hunter2 Bearer abcdefghijkl")},
	})
	var data string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			data = d
			break
		}
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(data), &ev); err != nil {
		t.Fatal(err)
	}
	if ev["event"] != "authz.denied" || ev["client_ip"] != "192.0.2.77" || ev["client_net"] != "192.0.2.77" || ev["subject"] != "eve" || ev["status"] != float64(403) {
		t.Fatalf("event %v", ev)
	}
	for _, secret := range []string{"hunter2", "abcdefghijkl", "eyJ"} {
		if strings.Contains(data, secret) {
			t.Fatalf("streamed event carries %q: %s", secret, data)
		}
	}
}

func TestStreamLimit(t *testing.T) {
	c := newConsole(t, console.Config{MaxStreams: 1})
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events/stream", nil)
	first, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Body.Close()
	second, err := http.Get(srv.URL + "/events/stream")
	if err != nil {
		t.Fatal(err)
	}
	second.Body.Close()
	if second.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second stream: %d, want 503", second.StatusCode)
	}
}

// The summary carries the readiness the admin listener reports, each
// dependency that is not ready named and redacted, and the config
// version counted from reloads.
func TestSummaryReportsReadinessAndConfigVersion(t *testing.T) {
	var mu sync.Mutex
	var notReady error
	c := newConsole(t, console.Config{Ready: func(ctx context.Context) error { mu.Lock(); defer mu.Unlock(); return notReady }})
	events, _ := observed(t, c)
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	summary := func() console.Summary {
		t.Helper()
		res, err := http.Get(srv.URL + "/api/summary")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var s console.Summary
		if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := summary(); s.Health.Ready != "ready" || len(s.Health.NotReady) != 0 || s.ConfigVersion != 1 {
		t.Fatalf("health %+v, config version %d", s.Health, s.ConfigVersion)
	}
	events.Emit(nil, audit.Event{Name: audit.ConfigReloaded, Reason: "configuration reloaded"})
	events.Emit(nil, audit.Event{Name: audit.ConfigRejected, Reason: "configuration rejected", Attrs: []slog.Attr{slog.Int("problems", 2)}})
	events.Emit(nil, audit.Event{Name: audit.ConfigReloaded, Reason: "configuration reloaded"})
	mu.Lock()
	notReady = errors.Join(errors.New("jwks https://idp.example/keys?access_token=eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln: unreachable"), errors.New("draining"))
	mu.Unlock()
	s := summary()
	if s.Health.Ready != "not ready" || len(s.Health.NotReady) != 2 || s.Health.NotReady[1] != "draining" || !strings.HasPrefix(s.Health.NotReady[0], "jwks https://idp.example/keys") {
		t.Fatalf("health %+v", s.Health)
	}
	if strings.Contains(s.Health.NotReady[0], "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ") {
		t.Fatalf("a token reached the readiness: %q", s.Health.NotReady[0])
	}
	if s.ConfigVersion != 3 || len(s.Config) != 3 || s.Config[1].Problems != 2 {
		t.Fatalf("config version %d, history %+v", s.ConfigVersion, s.Config)
	}
	// Without a readiness check the summary leaves readiness out.
	if s := newConsole(t, console.Config{}).Summarize(60); s.Health.Ready != "" {
		t.Fatalf("readiness %q without a check", s.Health.Ready)
	}
}
