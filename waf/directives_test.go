package waf

import (
	"strings"
	"testing"
)

func TestDirectives(t *testing.T) {
	s, err := (&Config{ParanoiaLevel: 3, AnomalyThreshold: 7, DetectOnly: true, MaxBodyBytes: 100, Exclusions: []int{942100, 920350, 942100}}).validate()
	if err != nil {
		t.Fatal(err)
	}
	d := directives(s)
	for _, want := range []string{
		"SecRuleEngine DetectionOnly\n",
		"SecRequestBodyLimit 101\n",
		"SecRequestBodyInMemoryLimit 101\n",
		"SecAuditEngine Off\n",
		"SecResponseBodyAccess Off\n",
		"tx.blocking_paranoia_level=3\"",
		"tx.inbound_anomaly_score_threshold=7,",
		"PUT PATCH DELETE",
		"SecRuleRemoveById 942100\nSecRuleRemoveById 920350\n",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("directives lack %q:\n%s", want, d)
		}
	}
	if strings.Count(d, "SecRuleRemoveById 942100") != 1 {
		t.Errorf("duplicate exclusion rendered twice")
	}
	// Settings must come after the recommended file they override, and the
	// CRS variables before the rules that read them.
	order := []string{"Include @coraza.conf-recommended", "SecRuleEngine", "SecAuditEngine Off", "Include @crs-setup.conf.example", "id:900000", "Include @owasp_crs/REQUEST-*.conf", "SecRuleRemoveById"}
	last := -1
	for _, o := range order {
		i := strings.Index(d, o)
		if i <= last {
			t.Fatalf("%q out of order in:\n%s", o, d)
		}
		last = i
	}
}
