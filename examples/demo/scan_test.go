package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/examples/demo"
	"github.com/rampart-api/rampart/scan"
)

// scanBudget is the request budget of each demo scan; the report must stay
// within it.
const scanBudget = 600

func scanDemo(t *testing.T, d *demo.Demo, target string, openapi []byte) *scan.Report {
	t.Helper()
	var ids []scan.Identity
	for _, name := range []string{"alice", "bob", "admin"} {
		id, err := scan.ParseIdentity(name + "=" + d.Tokens[name])
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	s, err := scan.New(scan.Config{
		Target:      target,
		OpenAPI:     openapi,
		Identities:  ids,
		Unsafe:      true,
		MaxRequests: scanBudget,
		RPS:         1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	rep, err := s.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scan of %s: %d requests (budget %d) in %v, %d operations, %d findings", target, rep.Requests, scanBudget, time.Since(start).Round(time.Millisecond), len(rep.Operations), len(rep.Findings))
	for _, f := range rep.Findings {
		t.Logf("  %-8s %-34s %s", f.Severity, f.Check, f.Operation)
	}
	for _, n := range rep.Notes {
		t.Logf("  note: %s", n)
	}
	if rep.Requests > scanBudget {
		t.Errorf("scan sent %d requests, over its budget of %d", rep.Requests, scanBudget)
	}
	return rep
}

// families the naive API must be caught out in, by rule family.
var naiveFamilies = []string{"headers", "cors", "authentication", "bola", "bfla", "mass-assignment", "errors", "exposure", "rate-limits"}

func TestScanDemo(t *testing.T) {
	docs := []struct {
		name    string
		openapi []byte
	}{
		{"crawled", nil},
		{"openapi", demo.OpenAPIYAML},
	}
	for _, doc := range docs {
		t.Run(doc.name, func(t *testing.T) {
			d := start(t)
			t.Run("naive API", func(t *testing.T) {
				rep := scanDemo(t, d, d.APIURL, doc.openapi)
				found := map[string]bool{}
				for _, f := range rep.Findings {
					rule, ok := scan.RuleFor(f.Check)
					if !ok {
						t.Errorf("finding with unknown check %q", f.Check)
						continue
					}
					found[rule.Family] = true
				}
				for _, fam := range naiveFamilies {
					if !found[fam] {
						t.Errorf("no %s finding on the naive API", fam)
					}
				}
			})
			t.Run("gateway", func(t *testing.T) {
				rep := scanDemo(t, d, d.GatewayURL, doc.openapi)
				for _, f := range rep.Findings {
					if f.Severity >= scan.Medium {
						t.Errorf("%s finding through the gateway: %s on %s: %s\n  request: %s\n  response: %s", f.Severity, f.Check, f.Operation, f.Detail, f.Evidence.Request, f.Evidence.Response)
					}
				}
				if strings.Contains(strings.Join(rep.Notes, "\n"), "budget") {
					t.Logf("the gateway scan spent its budget")
				}
			})
		})
	}
}
