package gateway_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-api/rampart/auth/apikey"
	"github.com/rampart-api/rampart/internal/redistest"
	"github.com/rampart-api/rampart/problem"
)

const limitsYAML = `
server:
  trusted_proxies: [10.0.0.0/8]
upstreams:
  app: {url: %[1]s}
rate_limits:
  legacy: true
  default: [{key: ip, limit: 3, window: 1m}]
routes:
  - {path: /a, upstream: app, auth: none}
  - {path: /b, upstream: app, auth: none}
  - {path: /own, upstream: app, auth: none, rate_limit: [{key: ip, limit: 2, window: 1m, per_route: true}]}
  - {path: /own2, upstream: app, auth: none, rate_limit: [{key: ip, limit: 2, window: 1m, per_route: true}]}
  - {path: /health, upstream: app, auth: none, rate_limit: []}
`

func okUpstream() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
}

func TestRateLimitAnswer(t *testing.T) {
	f := newLimitFixture(t, limitsYAML, okUpstream(), "")
	for i := range 3 {
		w := f.from("192.0.2.1:1000", "GET", "/a", "")
		if w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
		if got, want := w.Header().Get("RateLimit"), "limit=3, remaining="+strconv.Itoa(2-i); !strings.HasPrefix(got, want) {
			t.Errorf("RateLimit %q, want prefix %q", got, want)
		}
		if got := w.Header().Get("RateLimit-Policy"); got != "3;w=60" {
			t.Errorf("RateLimit-Policy %q", got)
		}
		if got := w.Header().Get("X-RateLimit-Remaining"); got != strconv.Itoa(2-i) {
			t.Errorf("X-RateLimit-Remaining %q", got)
		}
	}
	w := f.from("192.0.2.1:1000", "GET", "/a", "")
	checkProblem(t, w, http.StatusTooManyRequests)
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 20 {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	if got := w.Header().Get("RateLimit"); !strings.HasPrefix(got, "limit=3, remaining=0") {
		t.Errorf("RateLimit on refusal %q", got)
	}
	if f.events.count("ratelimit.exceeded") != 1 {
		t.Errorf("events:\n%s", f.events)
	}
	if w := f.from("192.0.2.2:1000", "GET", "/a", ""); w.Code != 200 {
		t.Errorf("another client refused: %d", w.Code)
	}
}

// The default is one counter per client across the routes that use it;
// a route's own list replaces it, per_route keeps routes apart and an
// empty list opts out.
func TestRateLimitScopes(t *testing.T) {
	f := newLimitFixture(t, limitsYAML, okUpstream(), "")
	const c = "192.0.2.9:1000"
	codes := func(path string, n int) string {
		var out []string
		for range n {
			out = append(out, strconv.Itoa(f.from(c, "GET", path, "").Code))
		}
		return strings.Join(out, " ")
	}
	tests := []struct{ path, want string }{
		{"/a", "200 200"},
		{"/b", "200 429"}, // shares /a's default counter
		{"/own", "200 200 429"},
		{"/own2", "200 200 429"}, // per_route: its own counter
		{"/health", "200 200 200 200 200"},
	}
	for _, tt := range tests {
		n := strings.Count(tt.want, " ") + 1
		if got := codes(tt.path, n); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.path, got, tt.want)
		}
	}
}

func TestRateLimitKeyCannotBeChosenWithForwardedFor(t *testing.T) {
	f := newLimitFixture(t, limitsYAML, okUpstream(), "")
	spoofs := []string{"203.0.113.1", "203.0.113.2, 10.0.0.1", "2001:db8::1", "oh, hi,,127.0.0.1,,,,", "unknown", "10.1.2.3"}
	admitted := 0
	for _, xff := range spoofs {
		if w := f.from("198.51.100.7:4242", "GET", "/a", "", "X-Forwarded-For", xff, "X-Real-Ip", xff); w.Code == 200 {
			admitted++
		}
	}
	if admitted != 3 {
		t.Fatalf("an untrusted peer rotating X-Forwarded-For got %d requests through a limit of 3", admitted)
	}
	// Behind a trusted proxy, the forwarded client is the key.
	for _, client := range []string{"203.0.113.10", "203.0.113.11"} {
		for i := range 3 {
			if w := f.from("10.0.0.1:80", "GET", "/a", "", "X-Forwarded-For", client); w.Code != 200 {
				t.Fatalf("client %s request %d behind the trusted proxy: %d", client, i, w.Code)
			}
		}
	}
}

func TestSubjectLimitRunsAfterAuthentication(t *testing.T) {
	const aliceKey, bobKey = "alice-key-0123456789abcdef", "bob-key-0123456789abcdef"
	yaml := `
upstreams:
  app: {url: %[1]s}
auth:
  apikey:
    keys:
      - {hash: "` + apikey.Hash(aliceKey) + `", subject: alice}
      - {hash: "` + apikey.Hash(bobKey) + `", subject: bob}
rate_limits:
  default:
    - {key: ip, limit: 100, window: 1m}
    - {key: subject, limit: 2, window: 1m}
routes:
  - {path: /api, upstream: app, auth: apikey}
`
	f := newLimitFixture(t, yaml, okUpstream(), "")
	for range 5 {
		checkProblem(t, f.from("192.0.2.1:1", "GET", "/api", "", "X-API-Key", "wrong-key-0123456789abcdef"), http.StatusUnauthorized)
	}
	for i, want := range []int{200, 200, 429} {
		if w := f.from("192.0.2.1:1", "GET", "/api", "", "X-API-Key", aliceKey); w.Code != want {
			t.Fatalf("alice request %d: %d, want %d", i, w.Code, want)
		}
	}
	// Same client IP, another subject: the subject limit is its own.
	if w := f.from("192.0.2.1:1", "GET", "/api", "", "X-API-Key", bobKey); w.Code != 200 {
		t.Fatalf("bob: %d", w.Code)
	}
	// Alice from elsewhere is still alice.
	if w := f.from("192.0.2.200:1", "GET", "/api", "", "X-API-Key", aliceKey); w.Code != 429 {
		t.Fatalf("alice from another IP: %d", w.Code)
	}
}

const loginYAML = `
upstreams:
  app: {url: %[1]s}
rate_limits:
  store: %[2]s
  redis: {url: "${env:REDIS_URL}", prefix: "%[3]s", timeout: 5s}
  default: [{key: ip, limit: 1000, window: 1m}]
routes:
  - path: /login
    methods: [POST]
    upstream: app
    auth: none
    rate_limit: [{key: ip, limit: 50, window: 1m}]
    brute_force: {username_field: username, max_failures: 3, window: 15m, lockout: 1m}
  - {path: /other, upstream: app, auth: none, rate_limit: [{key: ip, limit: 1, window: 1m}]}
`

func memoryLogin() string {
	return strings.Replace(loginYAML, "  redis: {url: \"${env:REDIS_URL}\", prefix: \"%[3]s\", timeout: 5s}\n", "", 1)
}

func TestBruteForceThroughGateway(t *testing.T) {
	up := &loginUpstream{}
	f := newLimitFixture(t, strings.Replace(memoryLogin(), "%[2]s", "memory", 1), up, "")
	const c = "192.0.2.50:1"

	// Reset on success: two failures, a success, two failures: no lock.
	for _, pw := range []string{"a", "b", "right", "c", "d"} {
		if w := f.from(c, "POST", "/login", loginBody("alice", pw)); w.Code == 429 {
			t.Fatalf("alice locked after a success reset her counter")
		}
	}
	// Third failure since the success locks alice, even with the right
	// password, and nothing more reaches the upstream.
	f.from(c, "POST", "/login", loginBody("alice", "e"))
	before := up.count()
	locked := f.from(c, "POST", "/login", loginBody("Alice", "right"))
	checkProblem(t, locked, http.StatusTooManyRequests)
	if up.count() != before {
		t.Fatal("a locked login reached the upstream")
	}
	if f.events.count("bruteforce.locked") != 1 {
		t.Fatalf("events:\n%s", f.events)
	}

	// An unknown username locks the same way, with the same answer.
	for range 3 {
		f.from("192.0.2.51:1", "POST", "/login", loginBody("nobody", "x"))
	}
	ghost := f.from("192.0.2.51:1", "POST", "/login", loginBody("nobody", "x"))
	checkProblem(t, ghost, http.StatusTooManyRequests)
	// And so does a plain rate limit.
	f.from("192.0.2.52:1", "GET", "/other", "")
	limited := f.from("192.0.2.52:1", "GET", "/other", "")
	checkProblem(t, limited, http.StatusTooManyRequests)
	for name, w := range map[string]*httptest.ResponseRecorder{"unknown user": ghost, "rate limit": limited} {
		if !reflect.DeepEqual(problemWithoutID(t, w), problemWithoutID(t, locked)) {
			t.Errorf("%s answer %s differs from a locked user's %s", name, w.Body, locked.Body)
		}
		if !reflect.DeepEqual(headerNames(w.Header()), headerNames(locked.Header())) {
			t.Errorf("%s headers %v differ from a locked user's %v", name, headerNames(w.Header()), headerNames(locked.Header()))
		}
	}
	if got := f.events.String(); strings.Contains(got, "right") || strings.Contains(got, `"alice"`) {
		t.Errorf("a password or username reached the events:\n%s", got)
	}
}

func headerNames(h http.Header) []string {
	var out []string
	for k := range h {
		if k != "Content-Length" && k != "X-Request-Id" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// blockingUpstream holds every request until release is closed, telling
// entered as each one arrives.
type blockingUpstream struct {
	entered chan struct{}
	release chan struct{}
}

func (u *blockingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.entered <- struct{}{}
	<-u.release
	fmt.Fprint(w, "done")
}

func TestConcurrencyCaps(t *testing.T) {
	yaml := `
server:
  timeouts: {upstream: 10s}
upstreams:
  app: {url: %[1]s}
  other: {url: %[1]s, max_in_flight: 5}
rate_limits:
  concurrency: {per_upstream: 2, per_client: 3}
routes:
  - {path: /slow, upstream: app, auth: none}
  - {path: /slow2, upstream: app, auth: none}
  - {path: /elsewhere, upstream: other, auth: none}
`
	up := &blockingUpstream{entered: make(chan struct{}, 16), release: make(chan struct{})}
	f := newLimitFixture(t, yaml, up, "")
	var wg sync.WaitGroup
	hold := func(addr, path string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.from(addr, "GET", path, "")
		}()
		<-up.entered
	}
	hold("192.0.2.1:1", "/slow")
	hold("192.0.2.2:1", "/slow2")
	// The upstream's cap counts across its routes.
	w := f.from("192.0.2.3:1", "GET", "/slow", "")
	checkProblem(t, w, http.StatusServiceUnavailable)
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// Another upstream has its own cap; the per-client cap spans them.
	hold("192.0.2.1:1", "/elsewhere")
	hold("192.0.2.1:1", "/elsewhere")
	checkProblem(t, f.from("192.0.2.1:1", "GET", "/elsewhere", ""), http.StatusServiceUnavailable)
	hold("192.0.2.4:1", "/elsewhere")
	close(up.release)
	wg.Wait()
	if w := f.from("192.0.2.3:1", "GET", "/slow", ""); w.Code != 200 {
		t.Fatalf("after release: %d", w.Code)
	}
	if f.events.count("ratelimit.exceeded") != 2 {
		t.Errorf("events:\n%s", f.events)
	}
	if w.Header().Get("Content-Type") != problem.ContentType {
		t.Error("not a problem")
	}
}

func redisLogin(prefix string) string {
	return strings.NewReplacer("%[2]s", "redis", "%[3]s", prefix).Replace(loginYAML)
}

// Two gateways on one Redis enforce one limit and one lockout.
func TestRedisSharedByGateways(t *testing.T) {
	url, prefix := redistest.Need(t)
	up := &loginUpstream{}
	g1 := newLimitFixture(t, redisLogin(prefix), up, url)
	g2 := newLimitFixture(t, redisLogin(prefix), up, url)
	if w := g1.from("192.0.2.60:1", "GET", "/other", ""); w.Code != 200 {
		t.Fatalf("first request: %d", w.Code)
	}
	checkProblem(t, g2.from("192.0.2.60:1", "GET", "/other", ""), http.StatusTooManyRequests)

	for range 3 {
		if w := g1.from("192.0.2.61:1", "POST", "/login", loginBody("alice", "guess")); w.Code != 401 {
			t.Fatalf("failed login: %d", w.Code)
		}
	}
	checkProblem(t, g2.from("192.0.2.62:1", "POST", "/login", loginBody("alice", "right")), http.StatusTooManyRequests)
	if w := g2.from("192.0.2.62:1", "POST", "/login", loginBody("bob", "x")); w.Code != 401 {
		t.Fatalf("another user through the second gateway: %d", w.Code)
	}
}

// With Redis unreachable each on_store_error mode does what it says, and
// the outage is reported once, not per request.
func TestRedisUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "redis://" + ln.Addr().String() + "/0"
	ln.Close()
	tests := []struct {
		mode  string
		codes string
	}{
		{"fail_closed", "503 503 503"},
		{"fail_open", "200 200 200"},
		{"local", "200 429 429"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			yaml := strings.Replace(redisLogin("x:"), "  default:", "  on_store_error: "+tt.mode+"\n  default:", 1)
			f := newLimitFixture(t, yaml, &loginUpstream{}, dead)
			var got []string
			for range 3 {
				w := f.from("192.0.2.70:1", "GET", "/other", "")
				if w.Code != 200 {
					checkProblem(t, w, w.Code)
				}
				got = append(got, strconv.Itoa(w.Code))
			}
			if g := strings.Join(got, " "); g != tt.codes {
				t.Errorf("codes %s, want %s", g, tt.codes)
			}
			if n := f.events.count("store.unavailable"); n != 1 {
				t.Errorf("%d store.unavailable events, want 1:\n%s", n, f.events)
			}
			if strings.Contains(f.events.String(), ln.Addr().String()) {
				t.Errorf("the Redis address reached the events")
			}
		})
	}
}
