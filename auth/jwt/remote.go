package jwt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"golang.org/x/time/rate"
)

// maxRemoteBytes bounds a JWKS or discovery document; real ones are a few
// KiB. A larger answer is garbage or an attack and is refused whole.
const maxRemoteBytes = 1 << 20

var errRemoteTooLarge = errors.New("remote document over 1 MiB")

// remote keeps an issuer's keys fetched from a JWKS URL, found directly or
// through OIDC discovery. jwkset fetches, parses and refreshes in the
// background; every set it fetches passes through policyStore, which applies
// Rampart's key policy and publishes an immutable snapshot. A fetch that
// fails, times out, returns garbage or a set that fails the policy leaves
// the previous snapshot in place, so an IdP outage never stops the keys
// already held from working. It is safe for concurrent use.
type remote struct {
	issuer    string
	discovery bool
	client    *http.Client
	timeout   time.Duration
	refresh   time.Duration
	log       *slog.Logger
	ctx       context.Context
	keys      *atomic.Pointer[keySet]
	// limiter bounds on-demand fetches (unknown kid, no keys yet), so that
	// tokens with random kids cannot make Rampart hammer the IdP.
	limiter *rate.Limiter

	// weakRSA accepts RSA keys from 1024 bits (DangerouslyAllowWeakRSA).
	weakRSA bool

	mu      sync.Mutex
	jwksURL string // set once known
	started bool

	// fetched and failed count key set fetches that replaced the keys
	// and fetches (or discoveries) that failed, for [Authenticator.KeySets].
	fetched, failed atomic.Uint64
}

// start finds the JWKS URL when discovery is on, fetches the set once
// (bounded by the fetch timeout) and launches the background refresh. On
// failure it logs and returns; requests are refused until a later fetch
// succeeds.
func (r *remote) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return
	}
	if r.jwksURL == "" {
		u, err := r.discover()
		if err != nil {
			r.failed.Add(1)
			r.log.Error("jwt: OIDC discovery failed; tokens from this issuer are refused until it succeeds",
				slog.String("issuer", r.issuer), slog.String("error", err.Error()))
			return
		}
		r.jwksURL = u
	}
	_, err := jwkset.NewStorageFromHTTP(r.jwksURL, jwkset.HTTPClientStorageOptions{
		Client:                    r.client,
		Ctx:                       r.ctx,
		HTTPTimeout:               r.timeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       r.logRefreshError,
		RefreshInterval:           r.refresh,
		Storage:                   &policyStore{MemoryJWKSet: jwkset.NewMemoryStorage(), keys: r.keys, weakRSA: r.weakRSA, fetched: &r.fetched},
	})
	if err != nil {
		r.failed.Add(1)
		r.log.Error("jwt: cannot use JWKS URL", slog.String("issuer", r.issuer), slog.String("error", err.Error()))
		return
	}
	r.started = true
}

// refetch fetches the key set now, at most once per limiter interval across
// all callers; a caller over the limit returns at once. It blocks for at most
// the fetch timeout and is detached from the request's cancellation so that
// a client hanging up does not waste the fetch.
func (r *remote) refetch(ctx context.Context) {
	if !r.limiter.Allow() {
		return
	}
	r.mu.Lock()
	started, u := r.started, r.jwksURL
	r.mu.Unlock()
	if !started {
		r.start()
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
	defer cancel()
	_, err := jwkset.NewStorageFromHTTP(u, jwkset.HTTPClientStorageOptions{
		Client:      r.client,
		Ctx:         ctx,
		HTTPTimeout: r.timeout,
		Storage:     &policyStore{MemoryJWKSet: jwkset.NewMemoryStorage(), keys: r.keys, weakRSA: r.weakRSA, fetched: &r.fetched},
	})
	if err != nil {
		r.logRefreshError(ctx, err)
	}
}

func (r *remote) logRefreshError(_ context.Context, err error) {
	r.failed.Add(1)
	r.log.Warn("jwt: JWKS fetch failed; keeping the keys already held",
		slog.String("issuer", r.issuer), slog.String("error", err.Error()))
}

// discover reads the issuer's OpenID Provider metadata (OpenID Connect
// Discovery 1.0 section 4) and returns its jwks_uri. The metadata's issuer
// must equal the configured one exactly (section 4.3), or an attacker who
// controls one issuer's metadata could vouch for keys of another.
func (r *remote) discover() (string, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	u := strings.TrimSuffix(r.issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetching discovery document: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetching discovery document: status %d", resp.StatusCode)
	}
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&meta); err != nil {
		return "", fmt.Errorf("decoding discovery document: %w", err)
	}
	if meta.Issuer != r.issuer {
		return "", fmt.Errorf("discovery document names issuer %q, want %q", meta.Issuer, r.issuer)
	}
	if reason := checkFetchURL(meta.JWKSURI); reason != "" {
		return "", fmt.Errorf("discovery document jwks_uri: %s", reason)
	}
	return meta.JWKSURI, nil
}

// checkFetchURL returns why u may not be fetched, or "". Keys must come over
// TLS, except from a loopback address (development IdPs and tests).
func checkFetchURL(u string) string {
	if u == "" {
		return "empty"
	}
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "not an absolute URL"
	}
	switch p.Scheme {
	case "https":
		return ""
	case "http":
		host := p.Hostname()
		if host == "localhost" {
			return ""
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return ""
		}
		return "must be https (http is accepted only for loopback addresses)"
	}
	return "must be https"
}

// policyStore is the jwkset storage a fetch writes into. It turns each
// fetched set into a policy-checked snapshot or refuses it whole, in which
// case jwkset reports a failed fetch and the previous snapshot stays.
type policyStore struct {
	*jwkset.MemoryJWKSet
	keys    *atomic.Pointer[keySet]
	weakRSA bool
	fetched *atomic.Uint64 // counts sets accepted; nil: not counted
}

func (s *policyStore) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	marshals := make([]jwkset.JWKMarshal, 0, len(given))
	for _, j := range given {
		marshals = append(marshals, j.Marshal())
	}
	set, err := keySetFromMarshals(marshals, keyPolicy{remote: true, weakRSA: s.weakRSA})
	if err != nil {
		return fmt.Errorf("refusing fetched JWK Set: %w", err)
	}
	s.keys.Store(set)
	if s.fetched != nil {
		s.fetched.Add(1)
	}
	return s.MemoryJWKSet.KeyReplaceAll(ctx, given)
}

// limitedTransport refuses response bodies over maxRemoteBytes, so a
// hostile or broken IdP cannot exhaust memory.
type limitedTransport struct{ base http.RoundTripper }

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > maxRemoteBytes {
		resp.Body.Close()
		return nil, errRemoteTooLarge
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxRemoteBytes}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errRemoteTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, errRemoteTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
