package bruteforce_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/bruteforce/bruteforcetest"
	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/ratelimit"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// app is a login endpoint: alice's password is "right"; every other
// attempt, including for usernames that do not exist, gets 401.
type app struct{ calls int }

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.calls++
	body, _ := io.ReadAll(r.Body)
	if strings.Contains(string(body), `"username":"alice"`) && strings.Contains(string(body), `"password":"right"`) {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusUnauthorized)
}

func login(ip, user, password string) *http.Request {
	r := httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r, info := rampart.WithInfo(r)
	info.ClientIP = netip.MustParseAddr(ip)
	info.Route = "/api/login"
	return r
}

func newGuard(t *testing.T, cfg bruteforce.Config) (http.Handler, *app, *clock, *bytes.Buffer) {
	t.Helper()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	var events bytes.Buffer
	cfg.Events = audit.NewLogger(slog.NewJSONHandler(&events, nil))
	if cfg.Store == nil {
		cfg.Store = &bruteforce.MemoryStore{Now: c.now}
	}
	if cfg.UsernameField == "" {
		cfg.UsernameField = "username"
	}
	g, err := bruteforce.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{}
	return g.Handler(a), a, c, &events
}

func send(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestLockoutGrowsAndSuccessResets(t *testing.T) {
	h, a, c, events := newGuard(t, bruteforce.Config{MaxFailures: 3, Window: 15 * time.Minute, Lockout: 15 * time.Minute, MaxLockout: time.Hour})
	failThrice := func(user string) {
		t.Helper()
		for i := range 3 {
			if w := send(h, login("203.0.113.7", user, "wrong")); w.Code != 401 {
				t.Fatalf("failure %d for %s: %d", i+1, user, w.Code)
			}
		}
	}
	failThrice("alice")
	calls := a.calls
	w := send(h, login("198.51.100.1", "alice", "right")) // even the right password, from elsewhere
	if w.Code != 429 || w.Header().Get("Retry-After") != "900" {
		t.Fatalf("after 3 failures: %d Retry-After %q, want 429 900", w.Code, w.Header().Get("Retry-After"))
	}
	if a.calls != calls {
		t.Fatal("a locked attempt reached the upstream")
	}
	if strings.Count(events.String(), `"event":"bruteforce.locked"`) != 1 || strings.Contains(events.String(), "wrong") {
		t.Fatalf("events: %s", events)
	}
	if !strings.Contains(events.String(), `"username_hash":"`) || strings.Contains(events.String(), "alice") {
		t.Fatalf("lockout event should name the username by a hash only: %s", events)
	}

	for _, want := range []string{"1800", "3600", "3600"} { // doubled, then capped
		c.t = c.t.Add(2 * time.Hour)
		failThrice("alice")
		if w := send(h, login("203.0.113.7", "alice", "wrong")); w.Header().Get("Retry-After") != want {
			t.Fatalf("next lockout Retry-After %q, want %s", w.Header().Get("Retry-After"), want)
		}
	}

	c.t = c.t.Add(2 * time.Hour)
	for range 2 {
		send(h, login("203.0.113.7", "alice", "wrong"))
	}
	if w := send(h, login("203.0.113.7", "alice", "right")); w.Code != 200 {
		t.Fatalf("right password: %d", w.Code)
	}
	for range 2 {
		send(h, login("203.0.113.7", "alice", "wrong"))
	}
	if w := send(h, login("203.0.113.7", "alice", "right")); w.Code != 200 {
		t.Fatalf("success did not clear the counter: %d", w.Code)
	}
}

func TestLockedAnswerRevealsNoUsername(t *testing.T) {
	h, _, _, _ := newGuard(t, bruteforce.Config{MaxFailures: 2, MaxFailuresPerIP: -1})
	answers := map[string]*httptest.ResponseRecorder{}
	for _, user := range []string{"alice", "no-such-user"} {
		for range 2 {
			send(h, login("203.0.113.7", user, "wrong"))
		}
		answers[user] = send(h, login("203.0.113.7", user, "wrong"))
	}
	a, b := answers["alice"], answers["no-such-user"]
	if a.Code != 429 || a.Code != b.Code || a.Body.String() != b.Body.String() {
		t.Fatalf("answers differ:\n%d %s\n%d %s", a.Code, a.Body, b.Code, b.Body)
	}
	for k := range a.Header() {
		if a.Header().Get(k) != b.Header().Get(k) {
			t.Fatalf("header %s differs: %q vs %q", k, a.Header().Get(k), b.Header().Get(k))
		}
	}
	// And it is the rate limiter's 429, field for field.
	want := httptest.NewRecorder()
	problem.Write(want, login("203.0.113.7", "x", "y"), ratelimit.Exceeded(15*time.Minute, "rate limit exceeded"))
	if want.Body.String() != a.Body.String() || want.Header().Get("Retry-After") != a.Header().Get("Retry-After") {
		t.Fatalf("lockout 429 %s differs from rate-limit 429 %s", a.Body, want.Body)
	}
}

func TestUsernameSpellingsShareACounter(t *testing.T) {
	h, _, _, _ := newGuard(t, bruteforce.Config{MaxFailures: 3, MaxFailuresPerIP: -1})
	for _, spelling := range []string{"Alice", " ALICE ", "\uff21\uff4c\uff49\uff43\uff45"} { // fullwidth
		send(h, login("203.0.113.7", spelling, "wrong"))
	}
	if w := send(h, login("203.0.113.7", "alice", "right")); w.Code != 429 {
		t.Fatalf("spellings of alice counted apart: %d", w.Code)
	}
}

func TestCredentialStuffingLocksTheIP(t *testing.T) {
	h, _, _, _ := newGuard(t, bruteforce.Config{MaxFailures: 5, MaxFailuresPerIP: 10})
	for i := range 10 {
		send(h, login("203.0.113.7", "user"+string(rune('a'+i)), "guess"))
	}
	if w := send(h, login("203.0.113.7", "alice", "right")); w.Code != 429 {
		t.Fatalf("IP spraying 10 usernames not locked: %d", w.Code)
	}
	if w := send(h, login("198.51.100.1", "alice", "right")); w.Code != 200 {
		t.Fatalf("another IP locked too: %d", w.Code)
	}
}

func TestBodyPassedIntactOrRefused(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		status                  int // 0: passed to the upstream intact
	}{
		{"json", "application/json", `{"username":"bob","password":"p\u00e4ss"}`, 0},
		{"form", "application/x-www-form-urlencoded", "username=bob&password=p%C3%A4ss", 0},
		{"no username", "application/json", `{"password":"x"}`, 0},
		{"over the read limit", "application/json", `{"username":"bob","pad":"` + strings.Repeat("x", 200) + `"}`, 413},
		{"not json", "application/json", `{"username":`, 400},
		{"duplicate fields", "application/json", `{"username":"a","username":"b"}`, 400},
		{"unknown type", "text/plain", "username=bob", 415},
		{"utf-7", "application/json; charset=utf-7", `{"username":"+AGEAbABpAGMAZQ-"}`, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []byte
			reached := false
			var events bytes.Buffer
			g, err := bruteforce.New(bruteforce.Config{UsernameField: "username", MaxBodyBytes: 100, Store: &bruteforce.MemoryStore{},
				Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
			if err != nil {
				t.Fatal(err)
			}
			h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true; got, _ = io.ReadAll(r.Body) }))
			r := httptest.NewRequest("POST", "/login", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			w := send(h, r)
			if tt.status == 0 {
				if string(got) != tt.body {
					t.Fatalf("upstream got %q, want %q", got, tt.body)
				}
				return
			}
			if w.Code != tt.status || reached {
				t.Fatalf("status %d (upstream reached %v), want %d", w.Code, reached, tt.status)
			}
			if !strings.Contains(events.String(), `"event":"request.rejected"`) || !strings.Contains(events.String(), `"owasp":"API2:2023"`) {
				t.Fatalf("events: %s", events.String())
			}
		})
	}
}

// A Basic-auth login counts against the same username as a JSON one, in
// any spelling, and a request whose Basic user-id and body disagree is
// refused before it reaches the upstream.
func TestBasicAuthUsername(t *testing.T) {
	h, a, _, events := newGuard(t, bruteforce.Config{MaxFailures: 3, MaxFailuresPerIP: -1, Window: 15 * time.Minute, Lockout: 15 * time.Minute})
	basicLogin := func(ip, userPass string) *http.Request {
		r := httptest.NewRequest("POST", "/api/login", nil)
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(userPass)))
		r, info := rampart.WithInfo(r)
		info.ClientIP = netip.MustParseAddr(ip)
		return r
	}
	for i, up := range []string{"alice:wrong", "ALICE:wrong", "\uff41lice:wrong"} {
		if w := send(h, basicLogin(fmt.Sprintf("203.0.113.%d", i+1), up)); w.Code != 401 {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	calls := a.calls
	if w := send(h, login("198.51.100.1", "alice", "right")); w.Code != 429 {
		t.Fatalf("JSON login after 3 Basic failures: %d, want 429", w.Code)
	}
	if w := send(h, basicLogin("198.51.100.2", "bob:x")); w.Code != 401 {
		t.Fatalf("another user: %d", w.Code)
	}
	events.Reset()
	r := login("198.51.100.3", "decoy", "x")
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:guess")))
	if w := send(h, r); w.Code != 400 {
		t.Fatalf("Basic alice with a decoy body: %d, want 400", w.Code)
	}
	if a.calls != calls+1 {
		t.Fatalf("upstream reached %d times, want once (bob)", a.calls-calls)
	}
	if !strings.Contains(events.String(), `"event":"request.rejected"`) || strings.Contains(events.String(), "guess") {
		t.Fatalf("events: %s", events)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := bruteforce.New(bruteforce.Config{MaxFailures: -1, Window: -time.Second, Lockout: time.Hour, MaxLockout: time.Minute,
		FailureStatuses: []int{200}, OnStoreError: "maybe"})
	for _, want := range []error{bruteforce.ErrNoStore, bruteforce.ErrBadMode, bruteforce.ErrBadValue} {
		if !errors.Is(err, want) {
			t.Errorf("missing %v in %v", want, err)
		}
	}
	var fe *bruteforce.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("no *FieldError in %v", err)
	}
}

func TestMemoryStoreConformance(t *testing.T) {
	bruteforcetest.Run(t, func(*testing.T) bruteforce.Store { return &bruteforce.MemoryStore{} })
}

// TestValidateNamesFields wants each bad setting at the field a file
// writes, and the zero Config accepted.
func TestValidateNamesFields(t *testing.T) {
	if err := (bruteforce.Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	for _, tt := range []struct {
		name  string
		cfg   bruteforce.Config
		field string
	}{
		{"negative window", bruteforce.Config{Window: -time.Second}, "window"},
		{"negative forget", bruteforce.Config{Forget: -time.Second}, "forget"},
		{"lockout past the default cap", bruteforce.Config{Lockout: 48 * time.Hour}, "max_lockout"},
		{"cap under the lockout", bruteforce.Config{Lockout: time.Hour, MaxLockout: time.Minute}, "max_lockout"},
		{"negative failures", bruteforce.Config{MaxFailures: -1}, "max_failures"},
		{"per-IP below -1", bruteforce.Config{MaxFailuresPerIP: -2}, "max_failures_per_ip"},
		{"negative body", bruteforce.Config{MaxBodyBytes: -1}, "max_body_bytes"},
		{"success counted as failure", bruteforce.Config{FailureStatuses: []int{401, 200}}, "failure_statuses[1]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			var fe *bruteforce.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, bruteforce.ErrBadValue) {
				t.Fatalf("err = %v, want a FieldError at %s", err, tt.field)
			}
			if _, nerr := bruteforce.New(bruteforce.Config{Store: &bruteforce.MemoryStore{}, Window: tt.cfg.Window, Forget: tt.cfg.Forget, Lockout: tt.cfg.Lockout, MaxLockout: tt.cfg.MaxLockout, MaxFailures: tt.cfg.MaxFailures, MaxFailuresPerIP: tt.cfg.MaxFailuresPerIP, MaxBodyBytes: tt.cfg.MaxBodyBytes, FailureStatuses: tt.cfg.FailureStatuses}); nerr == nil {
				t.Fatal("New accepts what Validate refuses")
			}
		})
	}
}
