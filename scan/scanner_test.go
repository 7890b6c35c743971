package scan

import (
	"context"
	"errors"
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
		Target:      srv.URL,
		Identities:  []Identity{api.identity("alice", "1", "user"), api.identity("bob", "2", "user")},
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
		{"authentication", false, []string{CheckAuthAlgNone, CheckAuthAudience, CheckAuthExpired, CheckAuthIssuer, CheckAuthQueryToken, CheckAuthWeakSecret}},
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
