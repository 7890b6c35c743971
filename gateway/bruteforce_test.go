package gateway_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf16"

	"github.com/rampart-api/rampart/internal/redistest"
)

// mergingLogin is a login endpoint written the way the pen-tested
// upstreams were: it merges the query string into the body fields with the
// query winning (Flask's request.values, Express code reading req.query
// first), parses JSON, forms and multipart, decodes a body declared as
// UTF-7 (body-parser's iconv-lite does), and trims leading control
// characters, BOM and space from the username before a case-insensitive
// comparison. alice's password is "right".
type mergingLogin struct {
	entered chan struct{} // when set, told of each request
	release chan struct{} // when set, each request waits for it
	mu      sync.Mutex
	hits    int
}

func (u *mergingLogin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits++
	u.mu.Unlock()
	if u.entered != nil {
		u.entered <- struct{}{}
		<-u.release
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, _ := io.ReadAll(r.Body)
	fields := map[string]string{}
	switch mt {
	case "application/json":
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		for k, v := range m {
			if s, ok := v.(string); ok {
				fields[k] = s
			}
		}
	case "application/x-www-form-urlencoded":
		v, _ := url.ParseQuery(string(body))
		for k := range v {
			fields[k] = v.Get(k)
		}
	case "multipart/form-data":
		if form, err := multipart.NewReader(strings.NewReader(string(body)), params["boundary"]).ReadForm(1 << 20); err == nil {
			for k, vs := range form.Value {
				fields[k] = vs[0]
			}
		}
	}
	for k, vs := range r.URL.Query() {
		fields[k] = vs[0]
	}
	user := fields["username"]
	if strings.EqualFold(params["charset"], "utf-7") {
		user = decodeUTF7(user)
	}
	user = strings.TrimLeftFunc(user, func(c rune) bool { return c < 0x20 || c == 0xfeff || unicode.IsSpace(c) })
	if strings.EqualFold(user, "alice") && fields["password"] == "right" {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusUnauthorized)
}

func (u *mergingLogin) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits
}

// decodeUTF7 decodes RFC 2152 "+…-" runs (modified base64 of UTF-16).
func decodeUTF7(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '+')
		if i < 0 {
			return b.String() + s
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		j := strings.IndexByte(s, '-')
		if j < 0 {
			j = len(s)
		}
		raw, _ := base64.RawStdEncoding.DecodeString(s[:j])
		units := make([]uint16, len(raw)/2)
		for k := range units {
			units[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
		}
		b.WriteString(string(utf16.Decode(units)))
		s = s[min(j+1, len(s)):]
	}
}

const bruteForceYAML = `
upstreams:
  app: {url: %[1]s}
rate_limits:
  store: STORE
  REDIS
routes:
  - path: /login
    methods: [POST]
    upstream: app
    auth: none
    rate_limit: [{key: ip, limit: 1000, window: 1m}]
    brute_force: {username_field: username, max_failures: 5, max_failures_per_ip: 20, window: 15m, lockout: 15m}
`

func bruteForceConfig(redisPrefix string) string {
	if redisPrefix == "" {
		return strings.NewReplacer("STORE", "memory", "  REDIS\n", "").Replace(bruteForceYAML)
	}
	// These tests are about counting, not about a slow store: a generous
	// timeout keeps a loaded machine from turning attempts into 503s.
	return strings.NewReplacer("STORE", "redis", "REDIS", `redis: {url: "${env:REDIS_URL}", prefix: "`+redisPrefix+`", timeout: 5s}`).Replace(bruteForceYAML)
}

type loginRequest struct {
	name, query, ct, body string
}

func (l loginRequest) build(addr string) *http.Request {
	r := httptest.NewRequest("POST", "/login"+l.query, strings.NewReader(l.body))
	if l.ct != "" {
		r.Header.Set("Content-Type", l.ct)
	}
	r.RemoteAddr = addr
	return r
}

func multipartLogin(user, password string) (string, string) {
	var b strings.Builder
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("username", user)
	_ = mw.WriteField("password", password)
	_ = mw.Close()
	return mw.FormDataContentType(), b.String()
}

// Once alice is locked out, no spelling, placement or size of her
// credentials logs her in: each is counted as alice (429) or refused.
func TestBruteForceLockoutEscapes(t *testing.T) {
	mpCT, mpBody := multipartLogin("alice", "right")
	escapes := []struct {
		loginRequest
		status int
		event  string
	}{
		{loginRequest{"body padded past the guard's read limit", "", "application/json",
			`{"username":"alice","password":"right","pad":"` + strings.Repeat("x", 70<<10) + `"}`}, 413, "request.rejected"},
		{loginRequest{"username in UTF-7", "", "application/json; charset=utf-7",
			`{"username":"+AGEAbABpAGMAZQ-","password":"right"}`}, 415, "request.rejected"},
		{loginRequest{"leading BOM", "", "application/json", `{"username":"\ufeffalice","password":"right"}`}, 429, "ratelimit.exceeded"},
		{loginRequest{"leading control character", "", "application/json", `{"username":"\u0001alice","password":"right"}`}, 429, "ratelimit.exceeded"},
		{loginRequest{"no-break space and capitals", "", "application/json", `{"username":"\u00a0ALICE","password":"right"}`}, 429, "ratelimit.exceeded"},
		{loginRequest{"credentials in the query, decoy body", "?username=alice&password=right", "application/json",
			`{"username":"decoy","password":"x"}`}, 400, "request.rejected"},
		{loginRequest{"credentials in the query only", "?username=alice&password=right", "", ""}, 429, "ratelimit.exceeded"},
		{loginRequest{"multipart credentials", "", mpCT, mpBody}, 429, "ratelimit.exceeded"},
		{loginRequest{"form credentials", "", "application/x-www-form-urlencoded", "username=Alice&password=right"}, 429, "ratelimit.exceeded"},
	}
	up := &mergingLogin{}
	// Each escape really logs alice in at this upstream when nothing
	// stands in front of it.
	for _, e := range escapes {
		w := httptest.NewRecorder()
		up.ServeHTTP(w, e.build("203.0.113.1:1"))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: the upstream simulation refuses it (%d); the test would prove nothing", e.name, w.Code)
		}
	}
	f := newLimitFixture(t, bruteForceConfig(""), up, "")
	for i := range 5 {
		w := httptest.NewRecorder()
		f.gw.ServeHTTP(w, loginRequest{"", "", "application/json", `{"username":"alice","password":"wrong"}`}.build("198.51.100.1:1"))
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	for i, e := range escapes {
		t.Run(e.name, func(t *testing.T) {
			before := up.count()
			events := f.events.count(e.event)
			w := httptest.NewRecorder()
			f.gw.ServeHTTP(w, e.build(fmt.Sprintf("192.0.2.%d:1", 10+i))) // a fresh IP each time
			checkProblem(t, w, e.status)
			if up.count() != before {
				t.Fatal("the attempt reached the upstream")
			}
			if f.events.count(e.event) != events+1 {
				t.Fatalf("no %s event:\n%s", e.event, f.events)
			}
		})
	}
	if got := f.events.String(); strings.Contains(got, "right") || strings.Contains(got, "alice") {
		t.Errorf("a password or username reached the events:\n%s", got)
	}
}

// Attempts are counted before they are forwarded, so 60 wrong passwords
// sent at once reach the upstream at most as often as the limits allow,
// even though none has been answered yet when the others arrive.
func TestBruteForceConcurrentAttempts(t *testing.T) {
	stores := []struct {
		name  string
		redis bool
	}{{"memory", false}, {"redis", true}}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			for _, tt := range []struct {
				name      string
				user      func(i int) string
				wantLimit int
			}{
				{"one username, limit 5", func(int) string { return "alice" }, 5},
				{"60 usernames from one IP, limit 20", func(i int) string { return fmt.Sprint("user", i) }, 20},
			} {
				t.Run(tt.name, func(t *testing.T) {
					redisURL, prefix := "", ""
					if st.redis {
						redisURL, prefix = redistest.Need(t)
					}
					up := &mergingLogin{entered: make(chan struct{}, 60), release: make(chan struct{})}
					f := newLimitFixture(t, bruteForceConfig(prefix), up, redisURL)
					codes := make(chan int, 60)
					for i := range 60 {
						go func() {
							w := httptest.NewRecorder()
							f.gw.ServeHTTP(w, loginRequest{"", "", "application/json",
								`{"username":"` + tt.user(i) + `","password":"wrong"}`}.build("203.0.113.9:1"))
							codes <- w.Code
						}()
					}
					// Until every request has either reached the
					// upstream (and waits there) or been answered.
					entered, refused := 0, 0
					for entered+refused < 60 {
						select {
						case <-up.entered:
							entered++
						case c := <-codes:
							if c != http.StatusTooManyRequests {
								t.Errorf("refusal %d, want 429", c)
							}
							refused++
						}
					}
					close(up.release)
					for range entered {
						if c := <-codes; c != http.StatusUnauthorized {
							t.Errorf("forwarded attempt answered %d", c)
						}
					}
					if entered != tt.wantLimit {
						t.Fatalf("%d attempts reached the upstream, want %d (the limit)", entered, tt.wantLimit)
					}
				})
			}
		})
	}
}
