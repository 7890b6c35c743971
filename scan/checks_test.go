package scan

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/config"
)

// remedyKeyRe finds config paths such as `routes[].owner`,
// `upstreams.<name>.openapi` or `cors.allowed_origins: [...]` in a remedy.
var remedyKeyRe = regexp.MustCompile("`([a-z_]+(?:\\[\\])?(?:\\.(?:<name>|[a-z_]+(?:\\[\\])?))+)")

// yamlField follows one path segment through a config type.
func yamlField(t reflect.Type, seg string) (reflect.Type, bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == seg {
			return t.Field(i).Type, true
		}
	}
	return nil, false
}

// Every config key a remedy names exists in rampart.yaml's schema, so a
// reader can paste it.
func TestRemediesNameRealConfigKeys(t *testing.T) {
	checked := 0
	for _, rule := range Checks {
		keys := remedyKeyRe.FindAllStringSubmatch(rule.Remedy, -1)
		for _, k := range keys {
			checked++
			typ := reflect.TypeOf(config.Config{})
			for seg := range strings.SplitSeq(k[1], ".") {
				if seg == "<name>" {
					continue
				}
				var ok bool
				if typ, ok = yamlField(typ, strings.TrimSuffix(seg, "[]")); !ok {
					t.Errorf("%s: remedy names %q, but %q is not a config key", rule.ID, k[1], seg)
					break
				}
			}
		}
	}
	if checked < len(Checks) {
		t.Errorf("only %d config keys found in %d remedies", checked, len(Checks))
	}
	if _, ok := yamlField(reflect.TypeOf(config.Config{}), "authz"); ok {
		t.Error("yamlField accepts a key the config does not have")
	}
}

func TestRulesAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, rule := range Checks {
		if seen[rule.ID] {
			t.Errorf("duplicate rule %s", rule.ID)
		}
		seen[rule.ID] = true
		if !strings.HasPrefix(rule.ID, rule.Family+".") && !(rule.Family == "authentication" && strings.HasPrefix(rule.ID, "auth.")) {
			t.Errorf("%s is not in its family %s", rule.ID, rule.Family)
		}
		if rule.Title == "" || rule.Remedy == "" || rule.OWASP == "" {
			t.Errorf("%s is incomplete", rule.ID)
		}
	}
}
