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
	DefaultMaxRequests = 400
	DefaultRPS         = 30
	DefaultConcurrency = 4
	DefaultTimeout     = 10 * time.Second
)

// Config configures a [Scanner]. Only Target is required.
type Config struct {
	// Target is the API's base URL, http or https. Only its origin is ever
	// contacted.
	Target string
	// OpenAPI is an OpenAPI 3 document (JSON or YAML). Without one the
	// scanner crawls the target and common paths.
	OpenAPI []byte
	// Identities are callers to act as. Two are needed for BOLA, a
	// non-admin one for BFLA.
	Identities []Identity
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
	var ops []*Operation
	if len(cfg.OpenAPI) > 0 {
		ops, err = operationsFromOpenAPI(context.Background(), cfg.OpenAPI)
		if err != nil {
			bad("OpenAPI", err.Error())
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
		}
	}
	return &Scanner{cfg: cfg, origin: origin, ops: ops, fams: fams}, nil
}

// run is the state of one scan.
type run struct {
	cfg    *Config
	c      *client
	ops    []*Operation
	fams   map[string]bool
	base   string
	unsafe bool

	mu        sync.Mutex
	findings  map[string]Finding
	notes     []string
	budgetHit bool

	// jwks caches the API's published keys, fetched once by publishedKeys.
	jwksOnce sync.Once
	jwks     []publishedKey
}

// Run scans the target. It returns an error wrapping [ErrUnreachable] when
// the target does not answer at all; a spent budget is a note in the
// report, not an error.
func (s *Scanner) Run(ctx context.Context) (*Report, error) {
	start := s.cfg.Now()
	r := &run{cfg: &s.cfg, fams: s.fams, findings: map[string]Finding{}, unsafe: s.cfg.Unsafe}
	r.base = strings.TrimRight(s.origin.Path, "/")
	r.c = newClient(s.origin, &s.cfg)
	r.c.observe = r.observe
	if _, err := r.c.do(ctx, &probe{Method: http.MethodGet, Path: r.path("/"), Op: "GET /"}); err != nil {
		return nil, err
	}
	if len(s.ops) > 0 {
		r.ops = make([]*Operation, len(s.ops))
		for i, o := range s.ops {
			c := &Operation{Method: o.Method, Path: o.Path, Params: o.Params, Query: o.Query, Secured: o.Secured,
				Roles: o.Roles, Tags: o.Tags, Admin: o.Admin, Login: o.Login, Signup: o.Signup, BodyFields: o.BodyFields, samples: o.sampleIDs()}
			r.ops[i] = c
		}
		if r.fams["exposure"] {
			r.ops = r.shadowOps(ctx, r.ops)
		}
	} else {
		r.ops = r.crawl(ctx)
		r.notef("no OpenAPI document: %d operations found by crawling", len(r.ops))
	}
	if len(s.cfg.Identities) == 0 {
		r.notef("no identities: authentication, bola and bfla checks that need a token were skipped")
	}
	if !s.cfg.Unsafe {
		r.notef("safe mode: writes with side effects (mass assignment, bola writes, deep JSON, body injection) were skipped; use --unsafe against a disposable environment")
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
		{"mass-assignment", r.checkMassAssignment},
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep := &Report{Target: s.cfg.Target, Started: start, Duration: s.cfg.Now().Sub(start), Requests: r.c.requests()}
	for _, o := range r.ops {
		rep.Operations = append(rep.Operations, o.String())
	}
	for _, f := range r.findings {
		rep.Findings = append(rep.Findings, f)
	}
	if r.budgetHit {
		r.notef("request budget of %d spent: some probes were not sent", s.cfg.MaxRequests)
	}
	rep.Notes = r.notes
	rep.Sort()
	return rep, nil
}

func (r *run) path(p string) string { return r.base + p }

func (r *run) notef(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, a...))
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

// add records a finding once per check and operation.
func (r *run) add(check, op, detail string, ev Evidence) { r.record(check, op, op, detail, ev) }

// addOnce records a finding once per check, whatever the operation.
func (r *run) addOnce(check, op, detail string, ev Evidence) { r.record(check, "", op, detail, ev) }

func (r *run) record(check, keyOp, op, detail string, ev Evidence) {
	rule, ok := RuleFor(check)
	if !ok {
		panic("scan: unknown check " + check) // a programming error, not input
	}
	key := check + "\x00" + keyOp
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.findings[key]; dup {
		return
	}
	r.findings[key] = Finding{Check: check, Title: rule.Title, OWASP: rule.OWASP, Severity: rule.Severity,
		Operation: op, Detail: detail, Evidence: ev, Remedy: rule.Remedy}
}

// secrets are the strings masked in every piece of evidence.
func (r *run) secrets() []string {
	out := make([]string, 0, len(r.cfg.Identities))
	for _, id := range r.cfg.Identities {
		out = append(out, id.Token)
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
