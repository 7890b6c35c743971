package rampart

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"unsafe"
)

// Middleware wraps a handler. It is the shape of every Rampart feature.
type Middleware func(http.Handler) http.Handler

// Chain wraps h in the middlewares so that the first one listed runs first.
func Chain(h http.Handler, m ...Middleware) http.Handler {
	for i := len(m) - 1; i >= 0; i-- {
		if m[i] != nil {
			h = m[i](h)
		}
	}
	return h
}

// Principal is an identity whose credentials were verified. Nothing in it
// comes from an unverified token.
type Principal struct {
	// Subject identifies the caller (a JWT's sub, an API key's owner).
	Subject string
	// Method names the authenticator that verified it: "jwt", "apikey", …
	Method string
	// Issuer is the token issuer, when there is one.
	Issuer string
	// Roles are the verified roles, read by role rules ([Principal.HasRole]).
	Roles []string
	// Scopes are the verified OAuth scopes ([Principal.HasScopes]).
	Scopes []string
	// Tenant is the verified tenant, for tenant isolation rules.
	Tenant string
	// Claims are the verified claims, for claim-keyed rules and limits.
	Claims map[string]any
}

// HasRole reports whether p holds any of roles.
func (p *Principal) HasRole(roles ...string) bool {
	if p == nil {
		return false
	}
	for _, want := range roles {
		for _, have := range p.Roles {
			if have == want {
				return true
			}
		}
	}
	return false
}

// HasScopes reports whether p holds every one of scopes.
func (p *Principal) HasScopes(scopes ...string) bool {
	if p == nil {
		return len(scopes) == 0
	}
next:
	for _, want := range scopes {
		for _, have := range p.Scopes {
			if have == want {
				continue next
			}
		}
		return false
	}
	return true
}

// Authentication errors. An [Authenticator] returns ErrNoCredentials when the
// request carries none of the credentials it understands, so that the next
// authenticator may try; ErrInvalidCredentials (usually as a [*CredentialsError]
// with a precise reason) when it carries some that fail verification. Any other error is a
// technical failure and must never be reported to the client as bad
// credentials.
var (
	ErrNoCredentials      = errors.New("rampart: no credentials")
	ErrInvalidCredentials = errors.New("rampart: invalid credentials")
	ErrForbidden          = errors.New("rampart: forbidden")
)

// CredentialsError is a refusal of presented credentials with its precise
// reason, for logs and security events (never for the client). It matches
// both [ErrInvalidCredentials] and Reason with errors.Is. Reason's text
// must not contain the credentials or unverified token contents.
type CredentialsError struct {
	Reason error
}

// InvalidCredentials returns a [*CredentialsError] for reason.
func InvalidCredentials(reason error) error { return &CredentialsError{Reason: reason} }

// Error reads "rampart: invalid credentials: " and the reason.
func (e *CredentialsError) Error() string {
	return ErrInvalidCredentials.Error() + ": " + e.Reason.Error()
}

// Unwrap returns ErrInvalidCredentials and the reason.
func (e *CredentialsError) Unwrap() []error { return []error{ErrInvalidCredentials, e.Reason} }

// Authenticator verifies the credentials a request carries.
type Authenticator interface {
	Authenticate(r *http.Request) (*Principal, error)
}

// Info is what Rampart learns about a request once and shares with every
// later step: logs, limits, errors. It is created by the first Rampart
// middleware that needs it and filled as the request moves down the chain.
// It belongs to the request's goroutine; it is not safe for concurrent
// writes.
type Info struct {
	// RequestID is a well-formed X-Request-Id from the client or one made
	// by Rampart.
	RequestID string
	// ClientIP is the trusted client address (see package clientip).
	ClientIP netip.Addr
	// Peer is the address of the TCP peer, recorded once by the step
	// that resolves ClientIP (from the connection, or parsed from
	// RemoteAddr); the zero Addr until then, or when the peer has no IP
	// address (a Unix socket).
	Peer netip.Addr
	// Route is the pattern of the matched route, empty before matching.
	Route string
	// Params holds the matched path parameters, in route order.
	Params []Param
	// Principal is set once authentication succeeds.
	Principal *Principal
	// TraceID is the W3C trace id the request belongs to, taken from a
	// valid incoming traceparent or made by the gateway; zero when no
	// tracing step ran.
	TraceID [16]byte

	// The backing stores below are sized so that the context that
	// carries the Info (see [WithInfo]) fits a 640-byte size class: the
	// next class up costs every request 64 bytes more.
	params [4]Param   // backing store, so that most matches do not allocate
	hdr    [14]string // backing store of HeaderValue: nine per proxied request, the identity and RateLimit headers
	txt    [128]byte  // backing store of Text: about 60 bytes per proxied request, 100 with a RateLimit header
	nhdr   uint8
	ntxt   uint8
}

// HeaderValue returns []string{v}, for a header map, from storage the
// Info holds for the request's lifetime while it has room, so that the
// headers Rampart sets on every request (request id, forwarding headers)
// do not allocate. The slice's capacity is one: an append copies it, and
// no two slices share an element. A nil Info allocates.
func (i *Info) HeaderValue(v string) []string {
	if i == nil || int(i.nhdr) == len(i.hdr) {
		return []string{v}
	}
	i.hdr[i.nhdr] = v
	i.nhdr++
	return i.hdr[i.nhdr-1 : i.nhdr : i.nhdr]
}

// Text returns b as a string whose bytes the Info holds for the request's
// lifetime while it has room, so that the values Rampart formats on every
// request (the forwarding headers' addresses, the RateLimit header) do not
// allocate. Bytes once handed out are never written again, so the string
// is immutable like any other. A nil Info, or one out of room, allocates.
func (i *Info) Text(b []byte) string {
	if i == nil || len(b) > len(i.txt)-int(i.ntxt) {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	start := int(i.ntxt)
	i.ntxt += uint8(copy(i.txt[start:], b))
	return unsafe.String(&i.txt[start], len(b))
}

// Param is one matched path parameter: Name from the route pattern
// ("id" in "/notes/{id}"), Value the decoded path segment it matched.
type Param struct{ Name, Value string }

// Param returns the value of the named path parameter and whether it was
// matched.
func (i *Info) Param(name string) (string, bool) {
	if i == nil {
		return "", false
	}
	for _, p := range i.Params {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

type infoKey struct{}

// InfoFrom returns the request's Info, or nil when no Rampart middleware
// has attached one.
func InfoFrom(ctx context.Context) *Info {
	i, _ := ctx.Value(infoKey{}).(*Info)
	return i
}

// WithInfo returns r with an Info attached, reusing the one already there.
func WithInfo(r *http.Request) (*http.Request, *Info) {
	if i := InfoFrom(r.Context()); i != nil {
		return r, i
	}
	c := &infoCtx{Context: r.Context()}
	c.info.Params = c.info.params[:0]
	return r.WithContext(c), &c.info
}

// infoCtx is a context carrying an Info: one allocation for both, where
// context.WithValue and new(Info) would be two.
type infoCtx struct {
	context.Context
	info Info
}

func (c *infoCtx) Value(key any) any {
	if _, ok := key.(infoKey); ok {
		return &c.info
	}
	return c.Context.Value(key)
}

// PrincipalFrom returns the verified principal of the request, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	if i := InfoFrom(ctx); i != nil {
		return i.Principal
	}
	return nil
}
