package waf

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental"
	"github.com/corazawaf/coraza/v3/types"

	"github.com/rampart-api/rampart"
)

// TestNoResponseRulesLoaded checks that the rule set holds no rule of the
// response phases: a request pays only for request rules, and no response
// is buffered for the WAF.
func TestNoResponseRulesLoaded(t *testing.T) {
	s, err := (&Config{ParanoiaLevel: 4}).validate()
	if err != nil {
		t.Fatal(err)
	}
	phases := map[types.RulePhase]int{}
	wc := experimental.WAFConfigWithRuleObserver(
		coraza.NewWAFConfig().WithRootFS(coreruleset.FS).WithDirectives(directives(s)),
		func(m types.RuleMetadata) { phases[m.Phase()]++ })
	cw, err := coraza.NewWAF(wc)
	if err != nil {
		t.Fatal(err)
	}
	defer closeCoraza(cw)
	if phases[types.PhaseRequestHeaders] == 0 || phases[types.PhaseRequestBody] == 0 {
		t.Fatalf("request rules not loaded: %v", phases)
	}
	for _, p := range []types.RulePhase{types.PhaseResponseHeaders, types.PhaseResponseBody} {
		if phases[p] != 0 {
			t.Errorf("%d rules of response phase %d loaded", phases[p], p)
		}
	}
}

// TestRequestCompilesNothing checks that inspecting a request builds no
// rule or pattern: building the rule set takes hundreds of thousands of
// allocations, inspecting a clean GET a few thousand, and a second
// Firewall with the same settings reuses the compiled patterns.
func TestRequestCompilesNothing(t *testing.T) {
	if raceEnabled {
		// The race detector drops a quarter of what sync.Pool is given
		// back, and go-re2 pools its RE2 instances: most requests would
		// build new ones. CI runs this test in a normal build.
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	w, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	build := testing.AllocsPerRun(1, func() {
		w2, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		_ = w2.Close()
	})
	h := w.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	per := testing.AllocsPerRun(20, func() {
		r := httptest.NewRequest(http.MethodGet, "/api/search?q=spring+tulips&page=2", nil)
		r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) rampart-test")
		r.Header.Set("Accept", "application/json")
		r, info := rampart.WithInfo(r)
		info.RequestID = "req-1"
		info.ClientIP = netip.MustParseAddr("203.0.113.7")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
	})
	if per*10 > build {
		t.Errorf("a clean GET makes %.0f allocations, a tenth or more of building the rule set (%.0f)", per, build)
	}
	t.Logf("clean GET: %.0f allocations; building the rule set: %.0f", per, build)
}
