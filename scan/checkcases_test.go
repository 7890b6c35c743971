package scan

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// scenario starts a server for one side of a check's test and returns the
// scan configuration aimed at it.
type scenario struct {
	name  string
	start func(t *testing.T) Config
}

// site is flawAPI with the given flaws, crawled, acting as alice and bob.
func site(flaws ...flaw) scenario {
	return scenario{name: flawNames("flawAPI", flaws), start: func(t *testing.T) Config {
		a := newFlawAPI(flaws...)
		return Config{Target: a.start(t), Identities: a.identities()}
	}}
}

// siteDoc is site described by flawDoc.
func siteDoc(flaws ...flaw) scenario {
	s := site(flaws...)
	return scenario{name: s.name + " with its OpenAPI document", start: func(t *testing.T) Config {
		cfg := s.start(t)
		cfg.OpenAPI = []byte(flawDoc)
		return cfg
	}}
}

func unsafe(s scenario) scenario {
	return scenario{name: s.name + ", --unsafe", start: func(t *testing.T) Config {
		cfg := s.start(t)
		cfg.Unsafe = true
		return cfg
	}}
}

func keyConfusion(v rsaVerifier) scenario {
	name := map[rsaVerifier]string{pinnedRS256: "RS256 API pinned to RS256 (keyfunc)", confusedPKIX: "RS256 API verifying HS256 with its PUBLIC KEY PEM",
		confusedPKCS1: "RS256 API verifying HS256 with its RSA PUBLIC KEY PEM"}[v]
	return scenario{name: name, start: func(t *testing.T) Config {
		url, id := rsaAPI{verifier: v}.start(t)
		return Config{Target: url, Identities: []Identity{id}}
	}}
}

// trustedKey is trustedKeyAPI ignoring the named claims, scanned with
// the test key as --signing-key.
func trustedKey(ignore ...string) scenario {
	return scenario{name: "API trusting the test key, ignoring " + fmt.Sprint(ignore), start: func(t *testing.T) Config {
		url, id, key := trustedKeyAPI{ignore: ignore}.start(t)
		return Config{Target: url, Identities: []Identity{id}, SigningKey: key}
	}}
}

func flawNames(base string, flaws []flaw) string {
	if len(flaws) == 0 {
		return base + " (hardened)"
	}
	names := make([]string, len(flaws))
	for i, f := range flaws {
		names[i] = string(f)
	}
	return base + " with " + strings.Join(names, ", ")
}

// checkCases holds, for every check id, a server that has the flaw (the
// check must find it) and one that does not (the check must not).
var checkCases = map[string]struct{ found, notFound scenario }{
	CheckHeadersMissing:       {site(flawNoHeaders), site()},
	CheckHeadersWeak:          {site(flawXSSFilter), site()},
	CheckHeadersDisclosure:    {site(flawServerVersion), site()},
	CheckCORSReflect:          {site(flawCORSReflect), site()},
	CheckCORSNull:             {site(flawCORSNull), site()},
	CheckCORSWildcardCreds:    {site(flawCORSWildcard), site()},
	CheckCORSAnyMethod:        {site(flawCORSAnyMethod), site()},
	CheckCORSWildcard:         {site(flawCORSAny), site()},
	CheckErrorsStack:          {site(flawStackTrace), site()},
	CheckErrorsSQL:            {site(flawSQLQuote), site()},
	CheckErrorsBanner:         {site(flawBanner), site()},
	CheckErrors5xx:            {site(flawServerError), site()},
	CheckExposureField:        {site(flawPasswordHash), site()},
	CheckExposureToken:        {site(flawTokenClaim), site()},
	CheckExposurePath:         {site(flawMetrics), site()},
	CheckExposureListing:      {site(flawListing), site()},
	CheckExposureDocs:         {site(flawDocs), site()},
	CheckExposureUndocumented: {siteDoc(flawShadowOp), siteDoc()},
	CheckAuthMissing:          {siteDoc(flawAnonymousNotes), siteDoc()},
	CheckAuthAlgNone:          {site(flawAlgNone), site()},
	CheckAuthSignature:        {site(flawUnverified), site()},
	CheckAuthKeyConfusion:     {keyConfusion(confusedPKIX), keyConfusion(pinnedRS256)},
	CheckAuthExpired:          {trustedKey("exp"), trustedKey()},
	CheckAuthAudience:         {trustedKey("aud"), trustedKey()},
	CheckAuthIssuer:           {trustedKey("iss"), trustedKey()},
	CheckAuthWeakSecret:       {site(flawWeakSecret), site()},
	CheckAuthQueryToken:       {site(flawQueryToken), site()},
	CheckAuthNoExpiry:         {site(flawNoExpiry), site(flawLongToken)},
	CheckAuthLongLived:        {site(flawLongToken), site(flawNoExpiry)},
	CheckBOLARead:             {site(flawBOLARead), site()},
	// The write probe follows a read finding, so both servers leak reads.
	CheckBOLAWrite: {unsafe(siteDoc(flawBOLARead, flawBOLAWrite)), unsafe(siteDoc(flawBOLARead))},
	// Only the document makes an admin operation high; see TestBFLAByName.
	CheckBFLA:           {siteDoc(flawBFLA), siteDoc()},
	CheckMassAssignment: {unsafe(site(flawMassAssign)), unsafe(site())},
	CheckRateLimitLogin: {site(flawNoLoginLimit), site()},
	// A quote that breaks the query is a leak, not proof of injection.
	CheckInjectionSQL:   {site(flawSQLBoolean), site(flawSQLQuote)},
	CheckInjectionNoSQL: {site(flawNoSQL), site()},
	CheckInjectionXSS:   {site(flawXSS), site()},
	CheckLimitsBody:     {site(flawBigBody), site()},
	CheckLimitsDepth:    {unsafe(site(flawDeepJSON)), unsafe(site())},
}

// evidenceSeverity are the checks whose severity follows the evidence:
// BFLA is high only when the document reserves the operation for admins,
// CORS * is medium only on answers carrying the caller's data.
var evidenceSeverity = map[string]bool{CheckBFLA: true, CheckCORSWildcard: true}

// Every rule the scanner reports has its own found and not-found case; a
// rule added without them fails here.
func TestEveryCheckHasFoundAndNotFoundCase(t *testing.T) {
	for _, rule := range Checks {
		c, ok := checkCases[rule.ID]
		switch {
		case !ok:
			t.Errorf("%s has no found/not-found case in checkCases", rule.ID)
		case c.found.start == nil:
			t.Errorf("%s has no server with the flaw", rule.ID)
		case c.notFound.start == nil:
			t.Errorf("%s has no server without the flaw", rule.ID)
		}
	}
	for id := range checkCases {
		if _, ok := RuleFor(id); !ok {
			t.Errorf("checkCases has %s, which is not a rule", id)
		}
	}
}

// scanScenario runs one family alone (every family for "") against the
// scenario.
func scanScenario(t *testing.T, s scenario, family string) *Report {
	t.Helper()
	cfg := s.start(t)
	if family != "" {
		cfg.Checks = []string{family}
	}
	cfg.RPS = 1000
	cfg.MaxRequests = 1000
	sc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sc.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func findingsOf(rep *Report, id string) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Check == id {
			out = append(out, f)
		}
	}
	return out
}

func TestCheckFoundAndNotFound(t *testing.T) {
	for _, rule := range Checks {
		c, ok := checkCases[rule.ID]
		if !ok {
			continue
		}
		t.Run(rule.ID+"/found", func(t *testing.T) {
			t.Parallel()
			rep := scanScenario(t, c.found, rule.Family)
			got := findingsOf(rep, rule.ID)
			if len(got) == 0 {
				t.Fatalf("not found against %s; found %v; notes %q", c.found.name, checkIDs(rep), rep.Notes)
			}
			for _, f := range got {
				if f.Evidence.Request == "" || f.Evidence.Response == "" || f.Detail == "" || f.Remedy != rule.Remedy || f.Fix != rule.Fix || f.CWE == 0 || (f.Severity != rule.Severity && !evidenceSeverity[rule.ID]) {
					t.Errorf("incomplete finding %+v", f)
				}
				if all := f.Evidence.Request + f.Evidence.Response + f.Detail; jwtRe.MatchString(all) {
					t.Errorf("evidence carries a token: %q", all)
				}
			}
		})
		t.Run(rule.ID+"/not-found", func(t *testing.T) {
			t.Parallel()
			rep := scanScenario(t, c.notFound, rule.Family)
			for _, f := range findingsOf(rep, rule.ID) {
				t.Errorf("false positive against %s on %s: %s (%s → %d %s)", c.notFound.name, f.Operation, f.Detail, f.Evidence.Request, f.Evidence.Status, f.Evidence.Response)
			}
		})
	}
}

// The hardened flawAPI gives no finding at all when every family runs:
// the not-found cases above are clean of every check, not only their own.
func TestHardenedFlawAPIIsClean(t *testing.T) {
	for _, s := range []scenario{unsafe(site()), unsafe(siteDoc())} {
		t.Run(s.name, func(t *testing.T) {
			rep := scanScenario(t, s, "")
			for _, f := range rep.Findings {
				t.Errorf("false positive %s on %s: %s (%s → %d %s)", f.Check, f.Operation, f.Detail, f.Evidence.Request, f.Evidence.Status, f.Evidence.Response)
			}
		})
	}
}
