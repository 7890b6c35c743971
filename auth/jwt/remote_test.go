package jwt

import (
	"crypto/ecdsa"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	gjwt "github.com/golang-jwt/jwt/v5"
)

// idp is an httptest identity provider whose JWKS answer can be swapped
// while traffic runs.
type idp struct {
	srv  *httptest.Server
	jwks atomic.Pointer[[]byte]
	// mode: "" serves the JWKS, "garbage", "huge", "500", "hang".
	mode    atomic.Value
	hang    chan struct{}
	fetches atomic.Int32
	issuer  string
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	d := &idp{hang: make(chan struct{})}
	d.mode.Store("")
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			iss := d.issuer
			if iss == "" {
				iss = d.srv.URL
			}
			_, _ = io.WriteString(w, `{"issuer":"`+iss+`","jwks_uri":"`+d.srv.URL+`/jwks"}`)
			return
		}
		d.fetches.Add(1)
		switch d.mode.Load().(string) {
		case "garbage":
			_, _ = io.WriteString(w, "<html>maintenance</html>")
		case "huge":
			_, _ = io.WriteString(w, `{"keys":[`+strings.Repeat(" ", 2<<20)+`]}`)
		case "empty":
			_, _ = io.WriteString(w, `{"keys":[]}`)
		case "500":
			http.Error(w, "down", http.StatusInternalServerError)
		case "hang":
			select {
			case <-d.hang:
			case <-r.Context().Done():
			}
		default:
			_, _ = w.Write(*d.jwks.Load())
		}
	}))
	t.Cleanup(func() { close(d.hang); d.srv.Close() })
	return d
}

func (d *idp) serve(t *testing.T, keys map[string]*ecdsa.PrivateKey) {
	b := jwksJSON(t, keys)
	d.jwks.Store(&b)
	d.mode.Store("")
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func remoteAuth(t *testing.T, ic IssuerConfig, cacheOff bool) *Authenticator {
	t.Helper()
	ic.Audience = []string{testAudience}
	ic.Algorithms = []string{"ES256"}
	if ic.FetchTimeout == 0 {
		ic.FetchTimeout = 2e9
	}
	a, err := New(Config{Now: clock, Logger: quietLogger(), Issuers: []IssuerConfig{ic}, Cache: CacheConfig{Disabled: cacheOff}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func tokenFor(t *testing.T, iss, kid string, k *ecdsa.PrivateKey) string {
	cl := validClaims()
	cl["iss"] = iss
	return mint(t, gjwt.SigningMethodES256, k, map[string]any{"kid": kid}, cl)
}

func wantReason(t *testing.T, err, reason error) {
	t.Helper()
	if reason == nil {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	if !errors.Is(err, reason) {
		t.Fatalf("err = %v, want %v", err, reason)
	}
}

func TestJWKSKeyRotatedOutWhileTrafficRuns(t *testing.T) {
	d := newIDP(t)
	k1, k2 := mustECKey(t), mustECKey(t)
	d.serve(t, map[string]*ecdsa.PrivateKey{"k1": k1})
	a := remoteAuth(t, IssuerConfig{Issuer: testIssuer, JWKSURL: d.srv.URL + "/jwks"}, false)

	old := tokenFor(t, testIssuer, "k1", k1)
	_, err := a.Authenticate(bearer(old))
	wantReason(t, err, nil)
	if a.cache.len() != 1 {
		t.Fatalf("cache holds %d entries, want 1", a.cache.len())
	}

	// The IdP rotates k1 out; the first token signed with k2 makes Rampart
	// refetch, which drops k1.
	d.serve(t, map[string]*ecdsa.PrivateKey{"k2": k2})
	_, err = a.Authenticate(bearer(tokenFor(t, testIssuer, "k2", k2)))
	wantReason(t, err, nil)

	// The cached verification of the k1 token must not outlive its key.
	_, err = a.Authenticate(bearer(old))
	wantReason(t, err, ErrUnknownKey)
}

func TestJWKSUnknownKidRefetchIsRateLimited(t *testing.T) {
	d := newIDP(t)
	k1 := mustECKey(t)
	d.serve(t, map[string]*ecdsa.PrivateKey{"k1": k1})
	a := remoteAuth(t, IssuerConfig{Issuer: testIssuer, JWKSURL: d.srv.URL + "/jwks", RefetchInterval: 1e12}, true)
	before := d.fetches.Load()
	for i := range 50 {
		_, err := a.Authenticate(bearer(tokenFor(t, testIssuer, "random-"+string(rune('a'+i%26)), k1)))
		wantReason(t, err, ErrUnknownKey)
	}
	if n := d.fetches.Load() - before; n != 1 {
		t.Fatalf("%d refetches for 50 unknown kids, want 1", n)
	}
}

func TestIdPMisbehavingKeepsKeys(t *testing.T) {
	for _, mode := range []string{"garbage", "huge", "empty", "500", "hang", "down"} {
		t.Run(mode, func(t *testing.T) {
			d := newIDP(t)
			k1 := mustECKey(t)
			d.serve(t, map[string]*ecdsa.PrivateKey{"k1": k1})
			a := remoteAuth(t, IssuerConfig{Issuer: testIssuer, JWKSURL: d.srv.URL + "/jwks", FetchTimeout: 2e8}, true)
			tok := tokenFor(t, testIssuer, "k1", k1)
			_, err := a.Authenticate(bearer(tok))
			wantReason(t, err, nil)

			if mode == "down" {
				d.srv.CloseClientConnections()
				d.srv.Listener.Close()
			} else {
				d.mode.Store(mode)
			}
			// An unknown kid forces a refetch from the misbehaving IdP.
			_, err = a.Authenticate(bearer(tokenFor(t, testIssuer, "k9", k1)))
			wantReason(t, err, ErrUnknownKey)
			// The keys already held still verify.
			_, err = a.Authenticate(bearer(tok))
			wantReason(t, err, nil)
		})
	}
}

func TestStartupWithUnreachableIdP(t *testing.T) {
	for _, mode := range []string{"hang", "500", "garbage"} {
		t.Run(mode, func(t *testing.T) {
			d := newIDP(t)
			k1 := mustECKey(t)
			d.serve(t, map[string]*ecdsa.PrivateKey{"k1": k1})
			d.mode.Store(mode)
			// New returns despite the IdP (bounded by FetchTimeout) and fails
			// closed.
			a := remoteAuth(t, IssuerConfig{Issuer: testIssuer, JWKSURL: d.srv.URL + "/jwks", FetchTimeout: 2e8, RefetchInterval: 1e9}, true)
			tok := tokenFor(t, testIssuer, "k1", k1)
			_, err := a.Authenticate(bearer(tok))
			wantReason(t, err, ErrUnknownKey)
		})
	}
}

func TestOIDCDiscovery(t *testing.T) {
	d := newIDP(t)
	k1 := mustECKey(t)
	d.serve(t, map[string]*ecdsa.PrivateKey{"k1": k1})
	a := remoteAuth(t, IssuerConfig{Issuer: d.srv.URL, Discovery: true}, false)
	_, err := a.Authenticate(bearer(tokenFor(t, d.srv.URL, "k1", k1)))
	wantReason(t, err, nil)
}

func TestOIDCDiscoveryIssuerMismatch(t *testing.T) {
	d := newIDP(t)
	d.issuer = "https://evil.example.com/"
	k1 := mustECKey(t)
	d.serve(t, map[string]*ecdsa.PrivateKey{"k1": k1})
	a := remoteAuth(t, IssuerConfig{Issuer: d.srv.URL, Discovery: true}, false)
	_, err := a.Authenticate(bearer(tokenFor(t, d.srv.URL, "k1", k1)))
	wantReason(t, err, ErrUnknownKey)
}

func TestOIDCDiscoveryDownAtStartupRecovers(t *testing.T) {
	d := newIDP(t)
	k1 := mustECKey(t)
	d.serve(t, map[string]*ecdsa.PrivateKey{"k1": k1})
	d.issuer = "https://not-yet.example.com/"
	a := remoteAuth(t, IssuerConfig{Issuer: d.srv.URL, Discovery: true, RefetchInterval: 1e9}, true)
	tok := tokenFor(t, d.srv.URL, "k1", k1)
	// The first on-demand attempt (allowed by the limiter) finds the
	// metadata fixed and loads the keys.
	d.issuer = ""
	_, err := a.Authenticate(bearer(tok))
	wantReason(t, err, nil)
}
