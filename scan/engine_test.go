package scan

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// runScan scans cfg with a high rate, failing the test on an error.
func runScan(t *testing.T, cfg Config, families ...string) *Report {
	t.Helper()
	cfg.RPS, cfg.Checks = 1000, families
	if cfg.MaxRequests == 0 {
		cfg.MaxRequests = 1000
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The scanner learns where the API takes tokens, says so, and every check
// (BOLA reads, forged tokens) acts in that place.
func TestLearnsTokenPlacement(t *testing.T) {
	cases := []struct {
		tokenIn, want string
	}{
		{"", "Authorization: Bearer TOKEN"},
		{"raw", "Authorization: TOKEN"},
		{"cookie:token", "Cookie: token=TOKEN"},
		{"header:X-Access-Token", "X-Access-Token: TOKEN"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			a := newFlawAPI(flawBOLARead, flawAlgNone)
			a.tokenIn = tc.tokenIn
			rep := runScan(t, Config{Target: a.start(t), Identities: a.identities()}, "bola", "authentication")
			if !strings.HasPrefix(rep.Auth, tc.want+" (learnt from ") {
				t.Errorf("auth %q, want %q learnt", rep.Auth, tc.want)
			}
			if !rep.Complete() {
				t.Errorf("incomplete: %q", rep.Errors)
			}
			for _, want := range []string{CheckBOLARead, CheckAuthAlgNone} {
				if len(findingsOf(rep, want)) == 0 {
					t.Errorf("%s not found; found %v", want, checkIDs(rep))
				}
			}
		})
	}
}

func TestGivenPlacement(t *testing.T) {
	a := newFlawAPI(flawBOLARead)
	a.tokenIn = "cookie:sid"
	rep := runScan(t, Config{Target: a.start(t), Identities: a.identities(), Auth: &Placement{Cookie: "sid"}}, "bola")
	if rep.Auth != "Cookie: sid=TOKEN (given)" || len(findingsOf(rep, CheckBOLARead)) == 0 {
		t.Errorf("auth %q, findings %v", rep.Auth, checkIDs(rep))
	}
	// The wrong placement given: every identity is refused, loudly.
	rep = runScan(t, Config{Target: a.start(t), Identities: a.identities(), Auth: &Placement{Header: "X-Token"}}, "bola")
	if rep.Complete() || len(rep.Errors) == 0 || !strings.Contains(rep.Errors[0], "every identity was refused") {
		t.Errorf("status %s, errors %q", rep.Status, rep.Errors)
	}
}

// An identity the API refuses everywhere makes the scan incomplete and is
// named; the others still act.
func TestRefusedIdentityMakesScanIncomplete(t *testing.T) {
	a := newFlawAPI(flawBOLARead)
	ids := a.identities()
	stranger := newFlawAPI()
	stranger.secret = []byte("another key entirely, 32 bytes!!")
	mallory, err := ParseIdentity("mallory=" + stranger.token("3", "mallory", "user"))
	if err != nil {
		t.Fatal(err)
	}
	rep := runScan(t, Config{Target: a.start(t), Identities: append(ids, mallory)}, "bola")
	if rep.Complete() || !slices.ContainsFunc(rep.Errors, func(e string) bool { return strings.Contains(e, "identity mallory was refused") }) {
		t.Errorf("status %s, errors %q", rep.Status, rep.Errors)
	}
	if len(findingsOf(rep, CheckBOLARead)) == 0 {
		t.Errorf("alice and bob still act: bola not found; %v", checkIDs(rep))
	}
	rep = runScan(t, Config{Target: a.start(t), Identities: []Identity{mallory}}, "authentication")
	if rep.Complete() {
		t.Error("a scan whose only identity is refused is complete")
	}
}

// A catch-all (a single-page app's shell, a 500 "Unexpected path") is the
// baseline: nothing that matches it is a finding.
func TestBaselineDropsCatchAll(t *testing.T) {
	for _, mode := range []flaw{modeSPA, modeUnexpected500} {
		for _, doc := range []bool{false, true} {
			name := string(mode)
			if doc {
				name += " with its OpenAPI document"
			}
			t.Run(name, func(t *testing.T) {
				a := newFlawAPI(mode)
				cfg := Config{Target: a.start(t), Identities: a.identities(), Unsafe: true}
				if doc {
					cfg.OpenAPI = []byte(flawDoc)
				}
				rep := runScan(t, cfg)
				for _, f := range rep.Findings {
					t.Errorf("false positive %s on %s: %s (%s → %d)", f.Check, f.Operation, f.Detail, f.Evidence.Request, f.Evidence.Status)
				}
				if len(rep.Baseline) == 0 || !strings.Contains(rep.Baseline[0], "catch-all") {
					t.Errorf("baseline not reported: %q", rep.Baseline)
				}
			})
		}
	}
}

// Case twins are one operation, and the report says the router ignores
// case.
func TestCaseInsensitiveRoutes(t *testing.T) {
	a := newFlawAPI(modeCaseInsensitive, flawStackTrace)
	rep := runScan(t, Config{Target: a.start(t), Identities: a.identities(), OpenAPI: []byte(flawDoc)})
	if !slices.ContainsFunc(rep.Baseline, func(s string) bool { return strings.Contains(s, "case-insensitive") }) {
		t.Errorf("baseline %q does not say case-insensitive", rep.Baseline)
	}
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		k := f.Check + " " + rootKey(f.Operation)
		if seen[k] {
			t.Errorf("duplicate %s", k)
		}
		seen[k] = true
		if f.Check == CheckExposureUndocumented {
			t.Errorf("case twin reported as undocumented: %s", f.Operation)
		}
	}
}

// The same check on the same operation, whatever the method, case or
// parameter name, is one finding listing its occurrences.
func TestOneFindingPerRootCause(t *testing.T) {
	r := &run{findings: map[string]*Finding{}, occ: map[string]map[string]bool{}}
	for _, op := range []string{"RAMPARTSCAN /api/Users/{id}", "GET /api/users/{user_id}", "OPTIONS /api/Users/{id}"} {
		r.add(CheckErrorsStack, op, "stack", Evidence{Request: op})
	}
	r.add(CheckErrorsStack, "GET /api/orders", "stack", Evidence{Request: "GET /api/orders"})
	for _, id := range []string{"alice", "bob"} {
		r.tokenPayload(map[string]any{"data": map[string]any{"password": "x"}}, "token of identity "+id, Evidence{Request: id})
	}
	got := r.collect()
	if len(got) != 3 {
		t.Fatalf("%d findings, want 3: %+v", len(got), got)
	}
	slices.SortFunc(got, func(a, b Finding) int { return strings.Compare(a.Operation, b.Operation) })
	if got[0].Operation != "GET /api/orders" || len(got[0].Occurrences) != 0 {
		t.Errorf("orders: %+v", got[0])
	}
	if got[1].Operation != "GET /api/users/{user_id}" || !slices.Equal(got[1].Occurrences, []string{"OPTIONS /api/Users/{id}", "RAMPARTSCAN /api/Users/{id}"}) {
		t.Errorf("users: %s %q", got[1].Operation, got[1].Occurrences)
	}
	if got[2].Check != CheckExposureToken || !slices.Equal(got[2].Occurrences, []string{"token of identity bob"}) {
		t.Errorf("token payload: %+v", got[2])
	}
}

func TestOwnerOf(t *testing.T) {
	alice := Identity{Name: "alice", claims: map[string]any{"data": map[string]any{"id": 2.0, "email": "alice@x.test"}}}
	bob := Identity{Name: "bob", claims: map[string]any{"sub": "3", "tenant": "globex", "user": map[string]any{"UserId": 3.0}}, learnt: []string{"b-77"}}
	ids := []Identity{alice, bob}
	notes := &Operation{Path: "/api/notes/{id}"}
	users := &Operation{Path: "/api/users/{id}"}
	accounts := &Operation{Path: "/api/accounts/{account_id}"}
	appts := &Operation{Path: "/appointments", Query: []string{"patient_id"}}
	cases := []struct {
		name string
		op   *Operation
		body string
		want int
	}{
		{"owner_id", notes, `{"id":1,"owner_id":2}`, 0},
		{"UserId nested under data", notes, `{"status":"ok","data":{"id":9,"UserId":3}}`, 1},
		{"owner object", notes, `{"id":1,"owner":{"id":"3","name":"b"}}`, 1},
		{"learnt id", notes, `{"id":1,"createdBy":"b-77"}`, 1},
		{"user record by id", users, `{"id":2,"name":"A"}`, 0},
		{"note id is no owner", notes, `{"id":2,"text":"x"}`, -1},
		{"owner member beats the object's own id", accounts, `{"id":3,"UserId":2}`, 0},
		{"two owners", notes, `{"user_id":2,"author_id":3}`, -1},
		{"list of one owner", appts, `[{"id":1,"patient_id":3},{"id":2,"patient_id":3}]`, 1},
		{"mixed list", appts, `{"data":[{"patient_id":3},{"patient_id":2}]}`, -1},
		{"not JSON", notes, `<html>`, -1},
		{"ids inside arrays are not owners", notes, `{"id":1,"tags":[{"user_id":2}]}`, -1},
		{"a related object is not the owner", notes, `{"id":1,"reporter":{"id":3,"email":"alice@x.test"}}`, -1},
		{"a parameter named for a claim", &Operation{Path: "/tenants/{tenant}/tickets", Params: []string{"tenant"}}, `{"tenant":"globex","tickets":[]}`, 1},
	}
	for _, tc := range cases {
		if got := ownerOf(tc.op, []byte(tc.body), ids); got != tc.want {
			t.Errorf("%s: owner %d, want %d", tc.name, got, tc.want)
		}
	}
}

func FuzzOwnerOf(f *testing.F) {
	for _, s := range []string{`{"id":1,"owner_id":2}`, `{"data":{"UserId":3}}`, `[{"patient_id":3}]`, `{"owner":{"id":"3"}}`, `[[[[]]]]`} {
		f.Add(s)
	}
	ids := []Identity{{Name: "a", claims: map[string]any{"sub": "2"}}, {Name: "b", claims: map[string]any{"sub": "3"}}}
	op := &Operation{Path: "/api/users/{id}", Query: []string{"user_id"}}
	f.Fuzz(func(t *testing.T, body string) {
		if got := ownerOf(op, []byte(body), ids); got < -1 || got >= len(ids) {
			t.Fatalf("owner %d out of range", got)
		}
		if n := len(jsonIDs([]byte(body), "userid")); n > 8 {
			t.Fatalf("%d ids, want at most 8", n)
		}
	})
}

// BFLA needs evidence: a path named admin is at most low, and an
// operation that answers anonymous callers the same is public.
func TestBFLAFromEvidence(t *testing.T) {
	rep := runScan(t, site(flawBFLA).start(t), "bfla")
	got := findingsOf(rep, CheckBFLA)
	if len(got) != 1 || got[0].Severity != Low {
		t.Errorf("by name only: %+v, want one low finding", got)
	}
	rep = runScan(t, siteDoc(flawBFLA).start(t), "bfla")
	if got := findingsOf(rep, CheckBFLA); len(got) != 1 || got[0].Severity != High {
		t.Errorf("reserved by the document: %+v, want one high finding", got)
	}
	for _, s := range []scenario{site(modePublicStats), siteDoc(modePublicStats)} {
		rep = runScan(t, s.start(t), "bfla")
		if got := findingsOf(rep, CheckBFLA); len(got) != 0 {
			t.Errorf("%s: public operation reported: %+v", s.name, got)
		}
	}
}

// Key confusion uses public keys the API serves as files, or given with
// --public-key, not only a JWKS.
func TestKeyConfusionWithServedOrGivenKey(t *testing.T) {
	url, id := rsaAPI{verifier: confusedPKIX, hideJWKS: true, pemAt: "/encryptionkeys/jwt.pub"}.start(t)
	rep := runScan(t, Config{Target: url, Identities: []Identity{id}}, "authentication")
	if len(findingsOf(rep, CheckAuthKeyConfusion)) == 0 {
		t.Errorf("served PEM: not found; %v", checkIDs(rep))
	}
	url, id = rsaAPI{verifier: confusedPKIX, hideJWKS: true}.start(t)
	rep = runScan(t, Config{Target: url, Identities: []Identity{id}}, "authentication")
	if len(findingsOf(rep, CheckAuthKeyConfusion)) != 0 {
		t.Error("no key anywhere, yet key confusion reported")
	}
	der, err := x509.MarshalPKIXPublicKey(&testRSAKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	given := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	rep = runScan(t, Config{Target: url, Identities: []Identity{id}, PublicKeys: [][]byte{given}}, "authentication")
	if len(findingsOf(rep, CheckAuthKeyConfusion)) == 0 {
		t.Errorf("given key: not found; %v", checkIDs(rep))
	}
	url, id = rsaAPI{verifier: pinnedRS256, pemAt: "/encryptionkeys/jwt.pub"}.start(t)
	rep = runScan(t, Config{Target: url, Identities: []Identity{id}, PublicKeys: [][]byte{given}}, "authentication")
	if len(findingsOf(rep, CheckAuthKeyConfusion)) != 0 {
		t.Error("pinned verifier reported")
	}
}

func TestInvalidFrameOptionsIsWeak(t *testing.T) {
	rep := runScan(t, site(flawFrameAllowAll).start(t), "headers")
	got := findingsOf(rep, CheckHeadersWeak)
	if len(got) != 1 || !strings.Contains(got[0].Detail, "ALLOWALL") {
		t.Errorf("got %+v", got)
	}
}

var leakCases = []struct {
	name  string
	re    string
	body  string
	match bool
}{
	{"express HTML", "stack", `<pre>TypeError: x is undefined<br> &nbsp; &nbsp;at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)</pre>`, true},
	{"node JSON-escaped", "stack", `{"error":"boom","stack":"Error: boom\n    at Object.<anonymous> (/app/server.js:12:9)"}`, true},
	{"node plain", "stack", "Error: boom\n    at next (/app/server.js:42:7)", true},
	{"java", "stack", "java.lang.NullPointerException\n\tat com.shop.Api.get(Api.java:42)", true},
	{"python", "stack", "Traceback (most recent call last):\n  File \"/app/app.py\", line 3, in <module>", true},
	{"go panic", "stack", "panic: runtime error\n\ngoroutine 7 [running]:\nmain.handler(...)\n\t/app/main.go:52 +0x1d", true},
	{".NET", "stack", "System.NullReferenceException: x\n   at Shop.Api.Get() in C:\\src\\Api.cs:line 42", true},
	{"php", "stack", "Fatal error: Uncaught Exception in /var/www/index.php on line 12", true},
	{"ruby", "stack", "app/controllers/users_controller.rb:12:in `show'", true},
	{"prose about a stack", "stack", `{"message":"meet us at 10:30 at the stack of books"}`, false},
	{"version string", "stack", `{"version":"1.2.3","at":"12:30:45"}`, false},
	{"sqlite escaped", "sql", `<pre>Error: near &quot;&#39;%&#39;&quot;: syntax error</pre>`, true},
	{"postgres type error", "sql", `{"error":"invalid input syntax for type integer: \"1'\""}`, true},
	{"word sql", "sql", `{"docs":"we use SQL for storage"}`, false},
	{"express version", "banner", `<title>Error</title><p>Express ^4.21.0</p>`, true},
	{"werkzeug version", "banner", `Werkzeug/2.2.2`, true},
	{"json version field", "banner", `{"version":"4.21.0"}`, false},
}

func TestLeakPatterns(t *testing.T) {
	res := map[string]interface{ MatchString(string) bool }{"stack": stackRe, "sql": sqlRe, "banner": bannerRe}
	for _, tc := range leakCases {
		if got := res[tc.re].MatchString(tc.body); got != tc.match {
			t.Errorf("%s (%s): match %v, want %v", tc.name, tc.re, got, tc.match)
		}
	}
}

func TestScriptCalls(t *testing.T) {
	js := `find () { return this.http.get(host + '/api/Products') }
  get (id) { return this.http.get(host + '/api/Products/' + id) }
  login (p) { return this.http.post(host + "/rest/user/login", p) }
  put (id, p) { return this.http.put(` + "`/api/Users/`" + ` + id, p) }
  off () { return this.http.get('//evil.example/x') }`
	got := scriptCallsIn([]byte(js))
	want := []scriptCall{{"GET", "/api/Products"}, {"GET", "/api/Products/{id}"}, {"POST", "/rest/user/login"}, {"PUT", "/api/Users/{id}"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func FuzzScriptCalls(f *testing.F) {
	f.Add(`http.get(host + '/api/x/' + id)`)
	f.Add(`http.post("/login")`)
	f.Fuzz(func(t *testing.T, js string) {
		for _, c := range scriptCallsIn([]byte(js)) {
			if !strings.HasPrefix(c.path, "/") || strings.Contains(c.path, "//") {
				t.Fatalf("off-origin or relative path %q", c.path)
			}
		}
	})
}

// A Swagger 2.0 document is converted and said so; anything that is not
// OpenAPI is refused rather than silently crawled around.
func TestDocumentVersions(t *testing.T) {
	swagger := `{"swagger":"2.0","info":{"title":"bank","version":"1"},"basePath":"/api",
"paths":{"/notes/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"type":"string"}],"responses":{"200":{"description":"ok"}}}}}}`
	ops, source, err := operationsFromOpenAPI(context.Background(), []byte(swagger))
	if err != nil || !strings.Contains(source, "Swagger 2.0") || len(ops) != 1 || ops[0].String() != "GET /api/notes/{id}" {
		t.Errorf("swagger 2.0: %v %q %v", ops, source, err)
	}
	for name, doc := range map[string]string{
		"package.json":     `{"name":"shop","version":"1.0.0"}`,
		"swagger 1.2":      `{"swaggerVersion":"1.2","swagger":"1.2","apis":[]}`,
		"openapi 4":        `{"openapi":"4.0.0","info":{"title":"x","version":"1"},"paths":{}}`,
		"yaml of nothing":  "a: 1\n",
		"openapi no paths": `{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{}}`,
	} {
		_, err := New(Config{Target: "http://127.0.0.1:1", OpenAPI: []byte(doc)})
		if !errors.Is(err, ErrNotOpenAPI) {
			t.Errorf("%s: want ErrNotOpenAPI, got %v", name, err)
		}
	}
}

// A scan that runs out of budget says so.
func TestBudgetSpentIsIncomplete(t *testing.T) {
	cfg := site().start(t)
	cfg.MaxRequests = 12
	rep := runScan(t, cfg)
	if rep.Complete() || len(rep.Errors) == 0 || !strings.Contains(rep.Errors[0], "budget") {
		t.Errorf("status %s, errors %q", rep.Status, rep.Errors)
	}
	rep = runScan(t, site().start(t), "headers")
	if !rep.Complete() {
		t.Errorf("a scan within budget is incomplete: %q", rep.Errors)
	}
}

// Each exposure pattern is found on a server that serves it, and not on
// one whose catch-all answers 200 to every path.
func TestExposurePatterns(t *testing.T) {
	cases := []struct {
		path, ctype, body, check string
	}{
		{"/ftp", "text/html", `<html><head><title>listing directory /ftp</title></head><body><ul id="files" class="view-tiles"></ul></body></html>`, CheckExposureListing},
		{"/backup/", "text/html", `<!doctype html>
<meta name="viewport" content="width=device-width">
<pre>
<a href="db.sql">db.sql</a>
</pre>`, CheckExposureListing},
		{"/dump.sql", "application/octet-stream", "-- dump\nCREATE TABLE users (id int);\n", CheckExposurePath},
		{"/api/env", "application/json", `{"NODE_ENV":"production","DATABASE_URL":"postgres://u:p@db/x"}`, CheckExposurePath},
		{"/api-docs/swagger.json", "application/json", `{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{}}`, CheckExposureDocs},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != tc.path {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", tc.ctype)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			rep := runScan(t, Config{Target: srv.URL}, "exposure")
			if got := findingsOf(rep, tc.check); len(got) == 0 {
				t.Errorf("%s not found; found %v", tc.check, checkIDs(rep))
			}
		})
	}
	// A catch-all answering every path with the same page exposes nothing.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		io.WriteString(w, "SPA bundle v1\n")
	}))
	defer srv.Close()
	rep := runScan(t, Config{Target: srv.URL}, "exposure")
	for _, f := range rep.Findings {
		t.Errorf("catch-all: false positive %s on %s", f.Check, f.Operation)
	}
}

// A target that stops answering midway leaves an incomplete report.
func TestTargetGoneMidwayIsIncomplete(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		gone := n > 20
		mu.Unlock()
		if gone {
			// Drop the connection without an answer.
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				c.Close()
			}
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	rep := runScan(t, Config{Target: srv.URL, Timeout: 2 * time.Second})
	if rep.Complete() || !slices.ContainsFunc(rep.Errors, func(e string) bool { return strings.Contains(e, "failed to answer") }) {
		t.Errorf("status %s, errors %q", rep.Status, rep.Errors)
	}
}

// A quote in a JSON body member that breaks the query is a database
// error leak, found only with Unsafe (the write may succeed).
func TestBodyParameterDatabaseError(t *testing.T) {
	const doc = `openapi: 3.0.3
info: {title: notes, version: "1"}
paths:
  /api/notes:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {text: {type: string}}}
      responses: {"201": {description: created}}
`
	for _, tc := range []struct {
		name          string
		leaks, unsafe bool
		want          int
	}{
		{"concatenated, unsafe", true, true, 1},
		{"concatenated, safe mode", true, false, 0},
		{"parameterised, unsafe", false, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				if r.Method == http.MethodPost && r.URL.Path == "/api/notes" && tc.leaks && strings.Contains(string(b), "'") {
					w.WriteHeader(http.StatusInternalServerError)
					io.WriteString(w, `{"error":"SQLITE_ERROR: near \"\\\"\": syntax error"}`)
					return
				}
				http.NotFound(w, r)
			}))
			defer srv.Close()
			rep := runScan(t, Config{Target: srv.URL, OpenAPI: []byte(doc), Unsafe: tc.unsafe}, "injection", "errors")
			if got := findingsOf(rep, CheckErrorsSQL); len(got) != tc.want {
				t.Errorf("%d database error findings, want %d: %+v", len(got), tc.want, got)
			}
			if got := findingsOf(rep, CheckInjectionSQL); len(got) != 0 {
				t.Errorf("a database error alone reported as SQL injection: %+v", got)
			}
		})
	}
}

// fakeClock is a clock a handler advances, so time-based probes are
// tested without waiting.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// handlerTransport answers requests with a handler, in process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

var pgSleepRe = regexp.MustCompile(`pg_sleep\((\d+)\)`)

// A blind injection, whose answers never change, is confirmed by time
// when the database error names PostgreSQL; a parameterised query that
// answers a quote with a type error is not.
func TestTimeBasedSQLInjection(t *testing.T) {
	for _, tc := range []struct {
		name       string
		vulnerable bool
	}{{"concatenated, blind", true}, {"parameterised", false}} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id, ok := strings.CutPrefix(r.URL.Path, "/api/orders/")
				if !ok {
					http.NotFound(w, r)
					return
				}
				if !tc.vulnerable {
					if _, err := strconv.Atoi(id); err != nil {
						w.WriteHeader(http.StatusInternalServerError)
						fmt.Fprintf(w, `{"error":"pq: invalid input syntax for type integer: %q"}`, id)
						return
					}
				} else {
					if strings.Count(id, "'")%2 == 1 {
						w.WriteHeader(http.StatusInternalServerError)
						io.WriteString(w, `{"error":"pq: unterminated quoted string at or near \"'\""}`)
						return
					}
					if m := pgSleepRe.FindStringSubmatch(id); m != nil {
						n, _ := strconv.Atoi(m[1])
						clock.advance(time.Duration(n) * time.Second)
					}
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"id":1,"status":"open"}`)
			})
			doc := `openapi: 3.0.3
info: {title: orders, version: "1"}
paths:
  /api/orders/{id}:
    get:
      parameters: [{name: id, in: path, required: true, example: "1", schema: {type: string}}]
      responses: {"200": {description: ok}}
`
			rep := runScan(t, Config{Target: "http://orders.test", OpenAPI: []byte(doc), Transport: handlerTransport{h}, Now: clock.Now}, "injection")
			got := findingsOf(rep, CheckInjectionSQL)
			if tc.vulnerable && (len(got) != 1 || !strings.Contains(got[0].Detail, "sleep 3s")) {
				t.Errorf("not confirmed by time: %+v", got)
			}
			if !tc.vulnerable && len(got) != 0 {
				t.Errorf("false positive: %+v", got)
			}
		})
	}
}

var digitRe = regexp.MustCompile(`[0-9]`)

// A page is always the same as itself, and as itself with other digits.
func FuzzFingerprint(f *testing.F) {
	f.Add("/rampart-absent-1", `<html><p>Cannot GET /rampart-absent-1</p></html>`, 404)
	f.Add("/api/x", `{"error":"Unexpected path: /api/x"}`, 500)
	f.Fuzz(func(t *testing.T, path, body string, status int) {
		// Probe paths are absolute, and those compared carry no digits.
		path = "/" + strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return -1
			}
			return r
		}, path)
		a := &exchange{probe: &probe{Method: http.MethodGet, Path: path}, Status: status, Header: http.Header{}, Body: []byte(body)}
		if !fingerprintOf(a).same(fingerprintOf(a)) {
			t.Fatal("a page differs from itself")
		}
		// Numbers in the page (ids, times) never tell two pages apart.
		c := &exchange{probe: a.probe, Status: status, Header: http.Header{}, Body: []byte(digitRe.ReplaceAllString(body, "7"))}
		if len(c.Body) == len(a.Body) && !fingerprintOf(a).same(fingerprintOf(c)) {
			t.Fatal("pages differing only in digits differ")
		}
	})
}

func TestTemplate(t *testing.T) {
	ids := []Identity{{Name: "alice", claims: map[string]any{"sub": "u-1", "tenant": "acme", "iss": "api", "data": map[string]any{"role": "admin"}}}}
	cases := []struct{ in, tmpl, sample string }{
		{"/tenants/acme/tickets", "/tenants/{tenant}/tickets", "acme"},
		{"/tickets/9b2f0c1e-3a4d-4c5e-8f60-718293a4b5c6", "/tickets/{id}", "9b2f0c1e-3a4d-4c5e-8f60-718293a4b5c6"},
		{"/api/orders/42", "/api/orders/{id}", "42"},
		{"/api/users", "/api/users", ""},
		// iss names the token and role a privilege, not the caller's objects.
		{"/api/status", "/api/status", ""},
		{"/admin/users", "/admin/users", ""},
	}
	for _, tc := range cases {
		if tmpl, sample := template(tc.in, ids); tmpl != tc.tmpl || sample != tc.sample {
			t.Errorf("%s: got %s %q, want %s %q", tc.in, tmpl, sample, tc.tmpl, tc.sample)
		}
	}
}

// ORDER BY injection: a CASE sorting by id when true and falling through
// to a secondary key (id descending) or another column when false
// changes the order only where the parameter reaches SQL. The server
// below answers as SQL would for the probes the scanner sends.
func TestOrderByInjection(t *testing.T) {
	for _, tc := range []struct {
		name       string
		vulnerable bool
		// sameOrder gives titles sorting like ids, as rows created in
		// one millisecond sort alike by time and by id: only the
		// secondary key can tell the branches apart.
		sameOrder bool
	}{{"concatenated", true, false}, {"concatenated, columns sort alike", true, true}, {"allowlisted", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			rows := []map[string]any{{"id": 1.0, "title": "zebra"}, {"id": 2.0, "title": "apple"}}
			if tc.sameOrder {
				rows[0]["title"], rows[1]["title"] = "apple", "zebra"
			}
			byTitle := slices.Clone(rows)
			slices.SortFunc(byTitle, func(a, b map[string]any) int { return strings.Compare(a["title"].(string), b["title"].(string)) })
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sort := r.URL.Query().Get("sort")
				out := slices.Clone(rows)
				switch {
				case sort == "id" || tc.vulnerable && strings.Contains(sort, "WHEN 1=1 THEN id"):
				case tc.vulnerable && strings.Contains(sort, "WHEN 1=2 THEN id ELSE NULL END), id DESC"):
					slices.Reverse(out)
				case sort == "title" || tc.vulnerable && strings.Contains(sort, "ELSE title"):
					out = slices.Clone(byTitle)
				default:
					w.WriteHeader(http.StatusBadRequest)
					io.WriteString(w, `{"error":"unknown sort column"}`)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				b, _ := json.Marshal(map[string]any{"items": out})
				w.Write(b)
			}))
			defer srv.Close()
			doc := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /api/items:
    get:
      parameters: [{name: sort, in: query, schema: {type: string}}]
      responses: {"200": {description: ok}}
`
			rep := runScan(t, Config{Target: srv.URL, OpenAPI: []byte(doc)}, "injection")
			if got := len(findingsOf(rep, CheckInjectionSQL)); (got == 1) != tc.vulnerable {
				t.Errorf("%d injection findings, vulnerable %v", got, tc.vulnerable)
			}
		})
	}
}
