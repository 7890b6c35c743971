package scan_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rampart-api/rampart/scan"
)

// corpusManifest describes one deliberately vulnerable app under
// testdata/apps: how to start it and log in, and every flaw planted in it.
type corpusManifest struct {
	Name      string `json:"name"`
	Framework string `json:"framework"`
	// Command starts the app from its directory; "node" and "python3"
	// name those runtimes, "go-build" builds the app's own module first
	// and runs the binary.
	Command []string          `json:"command"`
	PortEnv string            `json:"port_env"`
	Env     map[string]string `json:"env"`
	// Needs lists services the app needs beside its runtime ("postgres").
	Needs   []string `json:"needs"`
	Ready   string   `json:"ready"`
	OpenAPI string   `json:"openapi"`
	// Auth says, for readers, how the app reads credentials. The scanner
	// gets only the raw token and must find out itself.
	Auth       string           `json:"auth"`
	Login      corpusLogin      `json:"login"`
	Identities []corpusIdentity `json:"identities"`
	Flaws      []plantedFlaw    `json:"flaws"`
	// Tolerated are true findings that are not counted for recall but
	// are no false positives either.
	Tolerated []plantedFlaw `json:"tolerated"`
	// Negatives look suspicious but are fine: a finding matching one is a
	// false positive.
	Negatives []plantedFlaw `json:"negatives"`
}

type corpusLogin struct {
	Method string         `json:"method"`
	Path   string         `json:"path"`
	Body   map[string]any `json:"body"`
	// Token locates the token in the answer: a dotted path into the JSON
	// body ("authentication.token") or "cookie:NAME".
	Token string `json:"token"`
}

type corpusIdentity struct {
	Name     string `json:"name"`
	User     string `json:"user"`
	Password string `json:"password"`
	Admin    bool   `json:"admin"`
}

// plantedFlaw is one flaw (or negative) and where it may be reported.
type plantedFlaw struct {
	ID string `json:"id"`
	// Check is the check id that should report it; Also lists other ids
	// that describe the same flaw equally well.
	Check string   `json:"check"`
	Also  []string `json:"also"`
	// Op is "METHOD /path/{param}", "* /path" for any method, or "*" for a
	// flaw of the whole API, reported once wherever the scanner saw it.
	Op string `json:"op"`
	// PerPath lets a "*" flaw be reported once per path: an error page
	// every route shares leaks on each of them.
	PerPath bool `json:"per_path"`
	// Crawl is false for a flaw a scan without the document cannot be
	// expected to reach.
	Crawl    *bool  `json:"crawl"`
	Severity string `json:"severity"`
	Note     string `json:"note"`
}

func (p *plantedFlaw) crawlable() bool { return p.Crawl == nil || *p.Crawl }

func (p *plantedFlaw) checks() []string { return append([]string{p.Check}, p.Also...) }

// checkFamily is the check family: the scanner's own for a known check, else
// the id's prefix ("auth" being "authentication").
func checkFamily(id string) string {
	if r, ok := scan.RuleFor(id); ok {
		return r.Family
	}
	fam, _, _ := strings.Cut(id, ".")
	if fam == "auth" {
		return "authentication"
	}
	return fam
}

// matchCheck reports whether a finding's check describes p: one of p's
// check ids, or, when the scanner knows none of them yet, any check of
// the same family.
func (p *plantedFlaw) matchCheck(check string) bool {
	if slices.Contains(p.checks(), check) {
		return true
	}
	for _, c := range p.checks() {
		if _, ok := scan.RuleFor(c); ok {
			return false
		}
	}
	return checkFamily(p.Check) == checkFamily(check)
}

// matchOp reports whether a finding's operation is p's. Paths compare
// segment by segment, case-insensitively, ignoring a trailing slash; a
// {param} on either side matches any one segment. A finding whose
// operation is not "METHOD /path" (a token, the whole API) matches only a
// flaw of the whole API.
func matchOp(pattern, op string) bool {
	if pattern == "*" {
		return true
	}
	pm, pp, ok := strings.Cut(pattern, " ")
	if !ok {
		return false
	}
	om, opath, ok := strings.Cut(op, " ")
	if !ok || !strings.HasPrefix(opath, "/") {
		return false
	}
	if pm != "*" && !strings.EqualFold(pm, om) {
		return false
	}
	return samePath(pp, opath)
}

func samePath(a, b string) bool {
	as, bs := pathSegments(a), pathSegments(b)
	if len(as) != len(bs) {
		return false
	}
	for i := range as {
		if isParam(as[i]) || isParam(bs[i]) {
			continue
		}
		if !strings.EqualFold(as[i], bs[i]) {
			return false
		}
	}
	return true
}

func pathSegments(p string) []string {
	p, _, _ = strings.Cut(p, "?")
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func isParam(s string) bool { return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") }

// normPath is a path with parameters and case folded, so the same route
// found twice (/api/users/1, /api/Users/{id}) has one key.
func normPath(op string) string {
	_, p, ok := strings.Cut(op, " ")
	if !ok {
		return op
	}
	segs := pathSegments(p)
	for i := range segs {
		if isParam(segs[i]) || strings.Trim(segs[i], "0123456789") == "" {
			segs[i] = "{}"
		}
	}
	return strings.ToLower("/" + strings.Join(segs, "/"))
}

// appResult is one scan of one app, matched against its manifest.
type appResult struct {
	Mode     string
	Expected []*plantedFlaw
	Found    map[string][]scan.Finding // by flaw id
	// FalsePositives are medium+ findings matching a negative or no flaw
	// at all; LowFalsePositives are low and info findings matching a
	// negative; Unplanted are low and info findings matching nothing.
	FalsePositives    []scan.Finding
	LowFalsePositives []scan.Finding
	Unplanted         []scan.Finding
	Duplicates        []scan.Finding
	Tolerated         int
}

func (a *appResult) recall() float64 {
	if len(a.Expected) == 0 {
		return 1
	}
	n := 0
	for _, p := range a.Expected {
		if len(a.Found[p.ID]) > 0 {
			n++
		}
	}
	return float64(n) / float64(len(a.Expected))
}

// matchFindings matches each finding to at most one planted flaw. A flaw
// named by its operation is preferred over a flaw of the whole API. A
// second finding of the same check for the same flaw (and path, for a flaw
// named by its operation or reported per path) is a duplicate: the same
// stack trace for GET and OPTIONS, the same weak secret once per identity.
func matchFindings(m *corpusManifest, mode string, findings []scan.Finding) *appResult {
	res := &appResult{Mode: mode, Found: map[string][]scan.Finding{}}
	for i := range m.Flaws {
		if mode == "openapi" || m.Flaws[i].crawlable() {
			res.Expected = append(res.Expected, &m.Flaws[i])
		}
	}
	seen := map[string]bool{}
	find := func(list []plantedFlaw, f scan.Finding) *plantedFlaw {
		var best *plantedFlaw
		for i := range list {
			p := &list[i]
			if !p.matchCheck(f.Check) || !matchOp(p.Op, f.Operation) {
				continue
			}
			if best == nil || best.Op == "*" && p.Op != "*" {
				best = p
			}
		}
		return best
	}
	for _, f := range findings {
		if p := find(m.Flaws, f); p != nil {
			key := p.ID + "\x00" + f.Check
			if p.PerPath || p.Op != "*" {
				key += "\x00" + normPath(f.Operation)
			}
			if seen[key] {
				res.Duplicates = append(res.Duplicates, f)
				continue
			}
			seen[key] = true
			res.Found[p.ID] = append(res.Found[p.ID], f)
			continue
		}
		negative := find(m.Negatives, f) != nil
		switch {
		case negative && f.Severity < scan.Medium:
			res.LowFalsePositives = append(res.LowFalsePositives, f)
		case negative:
			res.FalsePositives = append(res.FalsePositives, f)
		case find(m.Tolerated, f) != nil:
			res.Tolerated++
		case f.Severity >= scan.Medium:
			res.FalsePositives = append(res.FalsePositives, f)
		default:
			res.Unplanted = append(res.Unplanted, f)
		}
	}
	return res
}

func loadManifest(dir string) (*corpusManifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m corpusManifest
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s/manifest.json: %w", dir, err)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("%s/manifest.json: %w", dir, err)
	}
	return &m, nil
}

func (m *corpusManifest) validate() error {
	if m.Name == "" || len(m.Command) == 0 || m.PortEnv == "" || m.Ready == "" || m.Login.Path == "" || m.Login.Token == "" {
		return fmt.Errorf("name, command, port_env, ready, login.path and login.token are required")
	}
	if len(m.Identities) < 3 {
		return fmt.Errorf("want two users and an admin, got %d identities", len(m.Identities))
	}
	ids := map[string]bool{}
	for _, list := range [][]plantedFlaw{m.Flaws, m.Tolerated, m.Negatives} {
		for _, p := range list {
			if p.Check == "" || (p.Op != "*" && !strings.Contains(p.Op, " /")) {
				return fmt.Errorf("flaw %q: needs a check and an op (\"*\" or \"METHOD /path\")", p.ID)
			}
			if !slices.Contains(scan.Families, checkFamily(p.Check)) {
				return fmt.Errorf("flaw %q: %s is in no family the scanner has", p.ID, p.Check)
			}
		}
	}
	for _, p := range m.Flaws {
		if p.ID == "" || ids[p.ID] {
			return fmt.Errorf("flaw ids must be present and unique: %q", p.ID)
		}
		ids[p.ID] = true
		if _, err := scan.ParseSeverity(p.Severity); err != nil {
			return fmt.Errorf("flaw %q: %w", p.ID, err)
		}
	}
	return nil
}
