package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxBodyRead caps how much of a response the scanner reads: enough for
// evidence and JSON ids, never a download.
const maxBodyRead = 256 << 10

// probe is one request the scanner wants to send.
type probe struct {
	Method string
	// Path is the path and query, relative to the target origin.
	Path   string
	Header http.Header
	Body   []byte
	// Harmless marks a write that cannot have side effects (a malformed
	// body every server must refuse, a login with a made-up user), so it
	// may be sent without Unsafe.
	Harmless bool
	// As is the identity acting, if any: its token goes where its own
	// placement or the scan's says.
	As *Identity
	// Token, when set, replaces As's token: a forged or test token.
	Token string
	// Place, when set, replaces the placement.
	Place *Placement
	// Op names the operation, "GET /api/users/{id}", for findings.
	Op string
	// malformed marks a probe whose input is deliberately invalid: a 5xx
	// to it is a finding.
	malformed bool
}

// exchange is a probe and what came back.
type exchange struct {
	probe  *probe
	Status int
	Header http.Header
	Body   []byte
	// token and place are the credential sent, for masked evidence.
	token string
	place Placement
	// elapsed is how long the answer took, by the scan's clock.
	elapsed time.Duration
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// client sends probes to the target's origin and nowhere else, within a
// request budget and a rate, with bounded concurrency. It is safe for
// concurrent use.
type client struct {
	origin  *url.URL
	hc      *http.Client
	lim     *rate.Limiter
	sem     chan struct{}
	unsafe  bool
	observe func(*exchange)

	mu       sync.Mutex
	budget   int
	sent     int
	onSent   func(sent, budget int)
	place    Placement
	fails    int
	lastFail string
	// now is the scan's clock, for how long an answer took.
	now func() time.Time
}

// setPlace sets the placement of tokens for probes that do not name one.
func (c *client) setPlace(p Placement) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.place = p
}

// credential returns the token p carries and where it goes, or "" when p
// is anonymous.
func (c *client) credential(p *probe) (string, Placement) {
	tok := p.Token
	if tok == "" && p.As != nil {
		tok = p.As.Token
	}
	if tok == "" {
		return "", Placement{}
	}
	if p.Place != nil {
		return tok, *p.Place
	}
	if p.As != nil && p.As.Place != nil {
		return tok, *p.As.Place
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return tok, c.place
}

func (c *client) failures() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fails
}

func (c *client) lastFailure() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastFail
}

func newClient(origin *url.URL, cfg *Config) *client {
	tr := cfg.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Only the target is ever contacted: no proxy from the environment.
		t.Proxy = nil
		tr = t
	}
	c := &client{
		origin: origin,
		hc: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			// Redirects are evidence, never followed: following one could
			// leave the target's origin.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		lim:    rate.NewLimiter(rate.Limit(cfg.RPS), max(1, int(cfg.RPS))),
		sem:    make(chan struct{}, cfg.Concurrency),
		unsafe: cfg.Unsafe,
		budget: cfg.MaxRequests,
		onSent: cfg.Progress,
		now:    cfg.Now,
		place:  bearer,
	}
	return c
}

// resolve turns a probe path into an absolute URL on the target origin and
// refuses anything else: an absolute URL to another host, a scheme change,
// a protocol-relative "//host" path.
func (c *client) resolve(p string) (*url.URL, error) {
	ref, err := url.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOffOrigin, err)
	}
	u := c.origin.ResolveReference(ref)
	if u.Scheme != c.origin.Scheme || u.Host != c.origin.Host || u.User != nil {
		return nil, fmt.Errorf("%w: %s", ErrOffOrigin, u.Redacted())
	}
	return u, nil
}

func (c *client) take() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sent >= c.budget {
		return ErrBudget
	}
	c.sent++
	if c.onSent != nil {
		c.onSent(c.sent, c.budget)
	}
	return nil
}

func (c *client) requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent
}

// do sends p. It fails closed: off-origin URLs, unsafe writes and requests
// over budget are refused before anything is sent.
func (c *client) do(ctx context.Context, p *probe) (*exchange, error) {
	if isWrite(p.Method) && !p.Harmless && !c.unsafe {
		return nil, ErrUnsafe
	}
	u, err := c.resolve(p.Path)
	if err != nil {
		return nil, err
	}
	if err := c.lim.Wait(ctx); err != nil {
		return nil, err
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	if err := c.take(); err != nil {
		return nil, err
	}
	var body io.Reader
	if p.Body != nil {
		body = bytes.NewReader(p.Body)
	}
	req, err := http.NewRequestWithContext(ctx, p.Method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("scan: building request: %w", err)
	}
	for k, v := range p.Header {
		req.Header[k] = v
	}
	tok, place := c.credential(p)
	if tok != "" {
		place.apply(req.Header, tok)
	}
	if p.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "rampart-scan")
	start := c.now()
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			c.mu.Lock()
			c.fails++
			c.lastFail = p.Method + " " + u.Path
			c.mu.Unlock()
		}
		return nil, fmt.Errorf("%w: %s %s: %w", ErrUnreachable, p.Method, u.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
	ex := &exchange{probe: p, Status: resp.StatusCode, Header: resp.Header, Body: b, token: tok, place: place, elapsed: c.now().Sub(start)}
	if c.observe != nil {
		c.observe(ex)
	}
	return ex, nil
}

func (ex *exchange) ok() bool { return ex.Status >= 200 && ex.Status < 300 }

func (ex *exchange) contentType() string {
	ct := ex.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

func (ex *exchange) isJSON() bool {
	ct := ex.contentType()
	return ct == "application/json" || strings.HasSuffix(ct, "+json")
}
