package scan

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func scanAPI(t *testing.T, hardened, unsafe bool, families ...string) *Report {
	t.Helper()
	api := newTestAPI(hardened)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	s, err := New(Config{
		Target: srv.URL,
		// root is an admin the hardened API lets read every account: that
		// is not BOLA.
		Identities:  []Identity{api.identity("alice", "1", "user"), api.identity("bob", "2", "user"), api.identity("root", "9", "admin")},
		Checks:      families,
		Unsafe:      unsafe,
		RPS:         1000,
		MaxRequests: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func checkIDs(rep *Report) []string {
	var ids []string
	for _, f := range rep.Findings {
		if !slices.Contains(ids, f.Check) {
			ids = append(ids, f.Check)
		}
	}
	slices.Sort(ids)
	return ids
}

// Each family runs alone against the flawed API (every listed check must
// be found) and the hardened one (nothing may be found).
func TestChecksFoundAndNotFound(t *testing.T) {
	cases := []struct {
		family string
		unsafe bool
		want   []string
	}{
		{"headers", false, []string{CheckHeadersDisclosure, CheckHeadersMissing}},
		{"cors", false, []string{CheckCORSAnyMethod, CheckCORSReflect}},
		{"errors", false, []string{CheckErrors5xx, CheckErrorsSQL, CheckErrorsStack}},
		{"exposure", false, []string{CheckExposurePath, CheckExposureField}},
		// The tokens carry no aud or iss: nothing to enforce, so no wrong-audience
		// or wrong-issuer finding (checkCases covers those with tokens that do).
		{"authentication", false, []string{CheckAuthAlgNone, CheckAuthExpired, CheckAuthQueryToken, CheckAuthWeakSecret}},
		{"bola", false, []string{CheckBOLARead}},
		{"bfla", false, []string{CheckBFLA}},
		{"mass-assignment", true, []string{CheckMassAssignment}},
		{"rate-limits", false, []string{CheckRateLimitLogin}},
		{"injection", false, []string{CheckInjectionNoSQL, CheckInjectionSQL, CheckInjectionXSS}},
		{"limits", true, []string{CheckLimitsBody, CheckLimitsDepth}},
	}
	for _, tc := range cases {
		t.Run(tc.family+"/flawed", func(t *testing.T) {
			rep := scanAPI(t, false, tc.unsafe, tc.family)
			got := checkIDs(rep)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s not found; found %v", w, got)
				}
			}
			for _, f := range rep.Findings {
				if rule, _ := RuleFor(f.Check); rule.Family != tc.family && tc.family != "errors" && tc.family != "exposure" {
					continue
				}
				if f.Evidence.Request == "" || f.Remedy == "" || f.OWASP == "" {
					t.Errorf("%s: incomplete finding %+v", f.Check, f)
				}
			}
		})
		t.Run(tc.family+"/hardened", func(t *testing.T) {
			rep := scanAPI(t, true, tc.unsafe, tc.family)
			for _, f := range rep.Findings {
				if f.Severity > Info {
					t.Errorf("false positive %s on %s: %s (%s → %d %s)", f.Check, f.Operation, f.Detail, f.Evidence.Request, f.Evidence.Status, f.Evidence.Response)
				}
			}
		})
	}
}

func TestSafeModeSkipsWrites(t *testing.T) {
	rep := scanAPI(t, false, false, "mass-assignment", "limits")
	if slices.Contains(checkIDs(rep), CheckMassAssignment) || slices.Contains(checkIDs(rep), CheckLimitsDepth) {
		t.Errorf("safe mode sent writes with side effects: %v", checkIDs(rep))
	}
}

func TestEvidenceNeverCarriesTokens(t *testing.T) {
	rep := scanAPI(t, false, true)
	api := newTestAPI(false)
	for _, f := range rep.Findings {
		all := f.Evidence.Request + f.Evidence.Response + f.Detail
		if jwtRe.MatchString(all) || strings.Contains(all, "$2a$10$") || strings.Contains(all, string(api.secret)+"\"") {
			t.Errorf("%s leaks a secret: %q", f.Check, all)
		}
	}
}

func TestNewValidatesEverything(t *testing.T) {
	_, err := New(Config{Target: "ftp://user:pw@x/?q", MaxRequests: -1, RPS: -2, Concurrency: -1, Checks: []string{"nope"}, OpenAPI: []byte("{not yaml")})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want ConfigError, got %v", err)
	}
	for _, field := range []string{"Target", "MaxRequests", "RPS", "Concurrency", "Checks", "OpenAPI"} {
		if !strings.Contains(err.Error(), "config "+field+":") {
			t.Errorf("no error for %s in %v", field, err)
		}
	}
}

func TestSignatureNotVerified(t *testing.T) {
	for _, unverified := range []bool{true, false} {
		api := newTestAPI(true)
		api.unverified = unverified
		srv := httptest.NewServer(api)
		s, err := New(Config{Target: srv.URL, Identities: []Identity{api.identity("alice", "1", "user")}, Checks: []string{"authentication"}, RPS: 1000})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Run(context.Background())
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(checkIDs(rep), CheckAuthSignature); got != unverified {
			t.Errorf("unverified=%v: found %v", unverified, checkIDs(rep))
		}
	}
}

// A login that refuses every body but {email, password} as invalid is
// probed with that shape: a burst of 400s would prove nothing.
func TestLoginShapeLearnt(t *testing.T) {
	var wrongShape int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		if r.Method != http.MethodPost || r.URL.Path != "/api/login" {
			http.NotFound(w, r)
			return
		}
		if json.NewDecoder(r.Body).Decode(&body) != nil || len(body) != 2 || body["email"] == "" || body["password"] == "" {
			wrongShape++
			http.Error(w, `{"error":"invalid body"}`, http.StatusBadRequest)
			return
		}
		http.Error(w, `{"error":"bad credentials"}`, http.StatusUnauthorized)
	}))
	defer srv.Close()
	s, err := New(Config{Target: srv.URL, Checks: []string{"rate-limits"}, RPS: 1000, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(checkIDs(rep), CheckRateLimitLogin) {
		t.Errorf("unlimited login not found; found %v", checkIDs(rep))
	}
	if wrongShape > 2 {
		t.Errorf("%d logins sent in a shape the API refuses", wrongShape)
	}
}

const shadowDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /api/login:
    post:
      operationId: login
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {username: {type: string}, password: {type: string}}}
      responses: {"200": {description: ok}}
  /api/users/{uid}:
    get:
      parameters: [{name: uid, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`

// An operation served but missing from the document is found (under any
// parameter name); a documented one is not.
func TestUndocumentedOperations(t *testing.T) {
	cases := []struct {
		name  string
		doc   string
		found bool
	}{
		{"notes missing from the document", shadowDoc, true},
		{"notes documented under another parameter name", shadowDoc + `  /api/notes/{note}:
    get:
      parameters: [{name: note, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newTestAPI(true)
			srv := httptest.NewServer(api)
			defer srv.Close()
			s, err := New(Config{Target: srv.URL, OpenAPI: []byte(tc.doc), Checks: []string{"exposure"}, RPS: 1000,
				Identities: []Identity{api.identity("alice", "1", "user")}})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var ops []string
			for _, f := range rep.Findings {
				if f.Check == CheckExposureUndocumented {
					ops = append(ops, f.Operation)
				}
			}
			if got := slices.Contains(ops, "GET /api/notes/{id}"); got != tc.found {
				t.Errorf("undocumented GET /api/notes/{id} found = %v, want %v (findings on %v)", got, tc.found, ops)
			}
			if slices.ContainsFunc(ops, func(op string) bool { return strings.HasPrefix(op, "GET /api/users/") }) {
				t.Errorf("documented /api/users/{uid} reported as undocumented: %v", ops)
			}
		})
	}
}
