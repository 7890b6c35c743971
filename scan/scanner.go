package scan

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero values of [Config].
const (
	DefaultMaxRequests = 1000
	DefaultRPS         = 50
	DefaultConcurrency = 4
	DefaultTimeout     = 10 * time.Second
)

// Config configures a [Scanner]. Only Target is required.
type Config struct {
	// Target is the API's base URL, http or https. Only its origin is ever
	// contacted.
	Target string
	// OpenAPI is an OpenAPI 3.x or Swagger 2.0 document (JSON or YAML;
	// Swagger 2.0 is converted). Anything else is a [*ConfigError].
	// Without one the scanner crawls the target and common paths.
	OpenAPI []byte
	// Identities are callers to act as. Two are needed for BOLA, a
	// non-admin one for BFLA.
	Identities []Identity
	// Auth, when set, is where every identity's token goes; nil learns it
	// from the first operation that refuses anonymous callers.
	Auth *Placement
	// PublicKeys are PEM public keys the API verifies tokens with, tried
	// as HMAC secrets for key confusion alongside those it publishes.
	PublicKeys [][]byte
	// SigningKey, when set, signs test tokens for the wrong audience,
	// issuer and an expired one (RSA, ECDSA or Ed25519; see
	// [ParseSigningKey]).
	SigningKey crypto.Signer
	// Checks limits the scan to these families (see [Families]); empty
	// means all.
	Checks []string
	// MaxRequests is the request budget (default 400).
	MaxRequests int
	// RPS is the request rate per second (default 30).
	RPS float64
	// Concurrency bounds requests in flight (default 4).
	Concurrency int
	// Timeout is the per-request timeout (default 10s).
	Timeout time.Duration
	// Unsafe allows writes with side effects: creating users, changing
	// other identities' objects, deep JSON bodies and larger login bursts.
	Unsafe bool
	// Transport replaces the HTTP transport, for tests.
	Transport http.RoundTripper
	// Progress, if set, is called after each request is sent.
	Progress func(sent, budget int)
	// Now is the clock for test-token times and the report (default
	// time.Now).
	Now func() time.Time
}

// Scanner runs scans. It is safe for concurrent use; each Run is
// independent.
type Scanner struct {
	cfg    Config
	origin *url.URL
	ops    []*Operation
	fams   map[string]bool
	source string
}

// New validates cfg and returns a Scanner. Every invalid field is reported,
// joined, as a [*ConfigError].
func New(cfg Config) (*Scanner, error) {
	var errs []error
	bad := func(field, reason string) { errs = append(errs, &ConfigError{Field: field, Reason: reason}) }
	u, err := url.Parse(cfg.Target)
	switch {
	case cfg.Target == "":
		bad("Target", "required")
	case err != nil:
		bad("Target", err.Error())
	case u.Scheme != "http" && u.Scheme != "https":
		bad("Target", "scheme must be http or https")
	case u.Host == "":
		bad("Target", "has no host")
	case u.User != nil:
		bad("Target", "must not carry credentials")
	case u.RawQuery != "" || u.Fragment != "":
		bad("Target", "must not have a query or fragment")
	}
	if cfg.MaxRequests < 0 {
		bad("MaxRequests", "must not be negative")
	} else if cfg.MaxRequests == 0 {
		cfg.MaxRequests = DefaultMaxRequests
	}
	if cfg.RPS < 0 || cfg.RPS != cfg.RPS {
		bad("RPS", "must be positive")
	} else if cfg.RPS == 0 {
		cfg.RPS = DefaultRPS
	}
	if cfg.Concurrency < 0 {
		bad("Concurrency", "must not be negative")
	} else if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Timeout < 0 {
		bad("Timeout", "must not be negative")
	} else if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	names := map[string]bool{}
	for i, id := range cfg.Identities {
		switch {
		case id.Name == "" || id.Authorization == "":
			bad(fmt.Sprintf("Identities[%d]", i), "needs a name and a token (use ParseIdentity)")
		case names[id.Name]:
			bad(fmt.Sprintf("Identities[%d]", i), "duplicate name "+id.Name)
		}
		names[id.Name] = true
	}
	fams := map[string]bool{}
	for _, f := range cfg.Checks {
		if !slices.Contains(Families, f) {
			bad("Checks", fmt.Sprintf("unknown family %q (want one of %s)", f, strings.Join(Families, ", ")))
		}
		fams[f] = true
	}
	if len(fams) == 0 {
		for _, f := range Families {
			fams[f] = true
		}
	}
	if p := cfg.Auth; p != nil && p.Cookie != "" && (p.Header != "" || p.Scheme != "") {
		bad("Auth", "a cookie takes neither a header name nor a scheme")
	}
	var ops []*Operation
	source := "crawling"
	if len(cfg.OpenAPI) > 0 {
		ops, source, err = operationsFromOpenAPI(context.Background(), cfg.OpenAPI)
		if err != nil {
			errs = append(errs, &ConfigError{Field: "OpenAPI", Reason: err.Error(), Err: err})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	origin := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimRight(u.Path, "/") + "/"}
	cfg.Identities = slices.Clone(cfg.Identities)
	for i := range cfg.Identities {
		if cfg.Identities[i].claims == nil {
			cfg.Identities[i].claims = jwtPayload(cfg.Identities[i].Token)
			cfg.Identities[i].Admin = cfg.Identities[i].Admin || claimsAdmin(cfg.Identities[i].claims)
		}
	}
	return &Scanner{cfg: cfg, origin: origin, ops: ops, fams: fams, source: source}, nil
}

// run is the state of one scan.
type run struct {
	cfg    *Config
	c      *client
	ops    []*Operation
	fams   map[string]bool
	prefix string
	unsafe bool

	mu        sync.Mutex
	findings  map[string]*Finding
	occ       map[string]map[string]bool
	notes     []string
	skipped   []string
	errs      []string
	budgetHit bool

	// base is the fingerprint of answers to absent paths, taken before
	// any check runs.
	base baseline
	// auth is what learnAuth found: the target operation, every placement
	// the API accepted a token in, and identities refused everywhere.
	auth authState
	// pems are PEM public keys found on the API or given, fetched once.
	pemOnce  sync.Once
	pems     [][]byte
	pemLinks []string
	dirLinks []string
	// meLinks are API paths me-style answers link to.
	meLinks []string

	// jwks caches the API's published keys, fetched once by publishedKeys.
	jwksOnce sync.Once
	jwks     []publishedKey
}

// Run scans the target. It returns an error wrapping [ErrUnreachable] when
// the target does not answer at all; a spent budget, refused identities or
// a target that stops answering midway make the report [Incomplete].
func (s *Scanner) Run(ctx context.Context) (*Report, error) {
	start := s.cfg.Now()
	cfg := s.cfg
	cfg.Identities = slices.Clone(s.cfg.Identities)
	r := &run{cfg: &cfg, fams: s.fams, findings: map[string]*Finding{}, occ: map[string]map[string]bool{}, unsafe: s.cfg.Unsafe}
	r.prefix = strings.TrimRight(s.origin.Path, "/")
	r.c = newClient(s.origin, &cfg)
	if s.cfg.Auth != nil {
		r.c.setPlace(*s.cfg.Auth)
	}
	if _, err := r.c.do(ctx, &probe{Method: http.MethodGet, Path: r.path("/"), Op: "GET /"}); err != nil {
		return nil, err
	}
	r.takeBaseline(ctx)
	r.c.observe = r.observe
	if len(s.ops) > 0 {
		r.ops = make([]*Operation, len(s.ops))
		for i, o := range s.ops {
			c := &Operation{Method: o.Method, Path: o.Path, Params: o.Params, Query: o.Query, Secured: o.Secured,
				Roles: o.Roles, Tags: o.Tags, Admin: o.Admin, AdminByName: o.AdminByName, Login: o.Login, Signup: o.Signup,
				BodyFields: o.BodyFields, samples: o.sampleIDs()}
			r.ops[i] = c
		}
		r.caseVariants(ctx)
		r.learnAuth(ctx)
		if r.fams["exposure"] {
			r.ops = r.shadowOps(ctx, r.ops)
		}
	} else {
		r.ops = r.crawl(ctx)
		r.caseVariants(ctx)
		r.learnAuth(ctx)
	}
	r.learnOwnIDs(ctx)
	r.followLinks(ctx)
	r.sampleCollections(ctx)
	r.crackSecrets()
	if len(s.cfg.Identities) == 0 {
		r.skipf("authentication, bola and bfla checks that need a token: no identities (--identity NAME=TOKEN)")
	}
	if !s.cfg.Unsafe {
		r.skipf("writes with side effects (mass assignment, bola writes, deep JSON, body injection): safe mode; use --unsafe against a disposable environment")
	}
	families := []struct {
		name string
		fn   func(context.Context)
	}{
		{"headers", r.checkHeaders},
		{"cors", r.checkCORS},
		{"errors", r.checkErrors},
		{"exposure", r.checkExposure},
		{"authentication", r.checkAuth},
		{"bola", r.checkBOLA},
		{"bfla", r.checkBFLA},
		{"rate-limits", r.checkRateLimits},
		{"injection", r.checkInjection},
		{"limits", r.checkLimits},
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.cfg.Concurrency)
	for _, f := range families {
		if !r.fams[f.name] {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f.fn(ctx)
		}()
	}
	wg.Wait()
	// Writes that create objects run after the differentials, and mass
	// assignment, which may raise an identity's privileges, runs last, so
	// no other check acts as a changed identity.
	if r.fams["injection"] {
		r.bodyQuotes(ctx)
	}
	if r.fams["mass-assignment"] {
		r.checkMassAssignment(ctx)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep := &Report{Target: s.cfg.Target, Started: start, Duration: s.cfg.Now().Sub(start), Requests: r.c.requests(), Status: Complete}
	switch s.source {
	case "crawling":
		rep.Source = fmt.Sprintf("crawling (no OpenAPI document): %d operations found", len(r.ops))
	default:
		rep.Source = s.source
	}
	for _, o := range r.ops {
		rep.Operations = append(rep.Operations, o.String())
	}
	rep.Findings = r.collect()
	if r.budgetHit {
		r.fail(fmt.Sprintf("request budget of %d spent before every probe was sent (raise --max-requests)", s.cfg.MaxRequests))
	}
	if n := r.c.failures(); n > 0 {
		r.fail(fmt.Sprintf("the target failed to answer %d requests midway (%s)", n, r.c.lastFailure()))
	}
	rep.Auth = r.auth.describe
	rep.Baseline = r.base.describe()
	rep.Errors = r.errs
	if len(r.errs) > 0 {
		rep.Status = Incomplete
	}
	rep.Skipped = r.skipped
	rep.Notes = r.notes
	rep.Sort()
	return rep, nil
}

func (r *run) path(p string) string { return r.prefix + p }

func (r *run) notef(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, a...))
}

// skipf records checks that did not run and why.
func (r *run) skipf(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m := fmt.Sprintf(format, a...); !slices.Contains(r.skipped, m) {
		r.skipped = append(r.skipped, m)
	}
}

// fail records why the scan is incomplete.
func (r *run) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.errs, msg) {
		r.errs = append(r.errs, msg)
	}
}

// stop reports whether err means no more probes can be sent.
func (r *run) stop(err error) bool {
	if errors.Is(err, ErrBudget) {
		r.mu.Lock()
		r.budgetHit = true
		r.mu.Unlock()
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// send is do with the target's base path prepended.
func (r *run) send(ctx context.Context, p *probe) (*exchange, error) {
	if !strings.HasPrefix(p.Path, "/") {
		return nil, fmt.Errorf("%w: %q is not a path", ErrOffOrigin, p.Path)
	}
	p.Path = r.path(p.Path)
	ex, err := r.c.do(ctx, p)
	if err != nil {
		r.stop(err)
	}
	return ex, err
}

// add records a finding for op; the same check on the same normalised
// operation (any method, any capitalisation) is one finding.
func (r *run) add(check, op, detail string, ev Evidence) {
	r.record(check, rootKey(op), op, detail, ev, -1)
}

// addEx records a finding from an exchange, unless the answer is the one
// every absent path gets: then it says nothing about op.
func (r *run) addEx(check, op, detail string, ex *exchange) {
	if r.base.matches(ex) {
		return
	}
	r.record(check, rootKey(op), op, detail, r.evidence(ex), -1)
}

// addOnce records a finding once per check, whatever the operation.
func (r *run) addOnce(check, op, detail string, ev Evidence) { r.record(check, "", op, detail, ev, -1) }

// rootKey normalises an operation for de-duplication: the method is
// dropped, the path folded to lower case and parameter names dropped, so
// GET, OPTIONS and an unknown method on /api/Users, and /api/users/{id}
// beside /api/users/{user_id}, are one root cause.
func rootKey(op string) string {
	m, p, ok := strings.Cut(op, " ")
	if !ok || !strings.HasPrefix(p, "/") || strings.ContainsAny(m, "/ ") {
		return strings.ToLower(op)
	}
	return pathKey(p)
}

// pathKey folds a path template: lower case, every parameter {}, so
// /api/Users/{id} and /api/users/{user_id} are one.
func pathKey(p string) string { return strings.ToLower(paramRe.ReplaceAllString(p, "{}")) }

// record keeps one finding per check and key. A later occurrence joins
// its Occurrences; the lowest operation name becomes the primary one, so
// reports are stable whatever order probes finish in. sev < 0 takes the
// rule's severity; the highest severity seen wins.
func (r *run) record(check, key, op, detail string, ev Evidence, sev Severity) {
	rule, ok := RuleFor(check)
	if !ok {
		panic("scan: unknown check " + check) // a programming error, not input
	}
	if sev < 0 {
		sev = rule.Severity
	}
	k := check + "\x00" + key
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.occ[k] == nil {
		r.occ[k] = map[string]bool{}
	}
	r.occ[k][op] = true
	f := &Finding{Check: check, Family: rule.Family, Title: rule.Title, OWASP: rule.OWASP, CWE: rule.CWE, Severity: sev,
		Operation: op, Detail: detail, Evidence: ev, Remedy: rule.Remedy, Fix: rule.Fix}
	old, dup := r.findings[k]
	if dup && (old.Severity > sev || old.Severity == sev && old.Operation <= op) {
		return
	}
	r.findings[k] = f
}

// collect returns one finding per root cause, each listing the other
// operations it showed on.
func (r *run) collect() []Finding {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Finding, 0, len(r.findings))
	for k, f := range r.findings {
		g := *f
		g.Occurrences = nil
		for op := range r.occ[k] {
			if op != g.Operation {
				g.Occurrences = append(g.Occurrences, op)
			}
		}
		slices.Sort(g.Occurrences)
		out = append(out, g)
	}
	return out
}

// secrets are the strings masked in every piece of evidence.
func (r *run) secrets() []string {
	out := make([]string, 0, len(r.cfg.Identities))
	for _, id := range r.cfg.Identities {
		out = append(out, id.Token)
		if id.cracked != nil {
			out = append(out, string(id.cracked))
		}
	}
	return out
}

func (r *run) evidence(ex *exchange) Evidence { return ex.evidence(r.secrets()...) }

func (r *run) opsWhere(f func(*Operation) bool) []*Operation {
	var out []*Operation
	for _, o := range r.ops {
		if f(o) {
			out = append(out, o)
		}
	}
	return out
}
