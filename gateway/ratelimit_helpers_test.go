package gateway_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/internal/testproc"
)

// limitFixture is a gateway built from a whole file whose upstream URL is
// %[1]s (and Redis URL, when used, ${env:REDIS_URL}).
type limitFixture struct {
	gw     *gateway.Gateway
	events *syncBuffer
}

// syncBuffer collects events for a test.
type syncBuffer struct{ testproc.Buffer }

// count returns how many events of the given name were emitted.
func (s *syncBuffer) count(name string) int {
	return strings.Count(s.String(), `"event":"`+name+`"`)
}

func loadLimits(t testing.TB, yaml, upstream, redisURL string) *config.Config {
	t.Helper()
	env := map[string]string{"REDIS_URL": redisURL}
	cfg, diags := config.Parse([]byte(fmt.Sprintf(yaml, upstream)), "limits.yaml", config.Options{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

func newLimitFixture(t testing.TB, yaml string, up http.Handler, redisURL string) *limitFixture {
	t.Helper()
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	cfg := loadLimits(t, yaml, srv.URL, redisURL)
	f := &limitFixture{events: &syncBuffer{}}
	gw, err := gateway.New(cfg, gateway.Options{Events: audit.NewLogger(slog.NewJSONHandler(f.events, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	f.gw = gw
	return f
}

// from sends a request as if from the TCP peer addr.
func (f *limitFixture) from(addr, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.RemoteAddr = addr
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	f.gw.ServeHTTP(w, r)
	return w
}

// problemWithoutID is a problem body with its request id removed, so that
// two refusals can be compared.
func problemWithoutID(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("body not JSON: %s", w.Body)
	}
	delete(p, "request_id")
	return p
}

// loginUpstream's /login accepts alice/right and answers 401 to anything
// else, the same for existing and unknown users; other paths answer 200.
type loginUpstream struct {
	mu   sync.Mutex
	hits int
}

func (u *loginUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits++
	u.mu.Unlock()
	if r.URL.Path != "/login" {
		fmt.Fprint(w, "ok")
		return
	}
	var creds struct{ Username, Password string }
	_ = json.NewDecoder(r.Body).Decode(&creds)
	w.Header().Set("Content-Type", "application/json")
	if creds.Username == "alice" && creds.Password == "right" {
		fmt.Fprint(w, `{"token":"t"}`)
		return
	}
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprint(w, `{"error":"invalid credentials"}`)
}

func (u *loginUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits
}

func loginBody(user, password string) string {
	b, _ := json.Marshal(map[string]string{"username": user, "password": password})
	return string(b)
}
