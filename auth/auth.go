package auth

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/internal/challenge"
	"github.com/rampart-api/rampart/problem"
)

// DefaultRealm is the realm named in challenges when Config.Realm is empty.
const DefaultRealm = "rampart"

// Configuration errors returned by [New], joined when several apply.
var (
	ErrNoAuthenticators = errors.New("auth: at least one authenticator is required")
	ErrNilAuthenticator = errors.New("auth: nil authenticator")
	ErrBadRealm         = errors.New("auth: realm must be printable ASCII without quotes or backslashes")
)

// ErrNoPrincipal is the reason recorded when an authenticator returns
// neither a principal nor an error: a bug, answered as a technical failure.
var ErrNoPrincipal = errors.New("auth: authenticator returned no principal")

// Config configures [New].
type Config struct {
	// Authenticators run in order; one answering
	// [rampart.ErrNoCredentials] passes the request to the next. Required.
	Authenticators []rampart.Authenticator
	// Realm is named in the WWW-Authenticate challenge. Default
	// [DefaultRealm].
	Realm string
	// Events receives an [audit.AuthFailed] event for every refusal. Nil
	// discards them.
	Events *audit.Logger
	// ErrorHandler renders refusals; default [problem.Write].
	ErrorHandler problem.ErrorHandler
}

// Challenger is implemented by authenticators that know the
// authentication scheme their credentials travel under, so that a 401
// challenges for that scheme. Scheme returns it ("Bearer", "ApiKey"), or
// "" when the credential has no scheme (a bare token, an X-API-Key
// header) and no challenge applies. Authenticators that do not implement
// it are taken to use Bearer.
type Challenger interface {
	Scheme() string
}

// Chain is the authentication middleware: it runs a route's authenticators
// in order. It is immutable after [New] and safe for concurrent use.
type Chain struct {
	authenticators []rampart.Authenticator
	challenge      string // no credentials presented (RFC 6750 §3.1: no error code)
	invalidToken   string // credentials presented and refused
	events         *audit.Logger
	errorHandler   problem.ErrorHandler
}

// New validates cfg and returns the middleware. It reports every problem
// at once, joined with errors.Join.
func New(cfg Config) (*Chain, error) {
	var errs []error
	if len(cfg.Authenticators) == 0 {
		errs = append(errs, ErrNoAuthenticators)
	}
	for i, a := range cfg.Authenticators {
		if a == nil {
			errs = append(errs, fmt.Errorf("authenticators[%d]: %w", i, ErrNilAuthenticator))
		}
	}
	realm := cfg.Realm
	if realm == "" {
		realm = DefaultRealm
	}
	if !challenge.ValidRealm(realm) {
		errs = append(errs, fmt.Errorf("realm %q: %w", realm, ErrBadRealm))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	a := &Chain{
		authenticators: append([]rampart.Authenticator(nil), cfg.Authenticators...),
		events:         cfg.Events,
		errorHandler:   cfg.ErrorHandler,
	}
	a.challenge, a.invalidToken = challenges(cfg.Authenticators, realm)
	if a.errorHandler == nil {
		a.errorHandler = problem.Write
	}
	return a, nil
}

// challenges builds the WWW-Authenticate values for the authenticators'
// schemes, each scheme once, in order; empty when none has a scheme.
// error="invalid_token" is RFC 6750's and goes on Bearer only.
func challenges(list []rampart.Authenticator, realm string) (plain, invalid string) {
	var seen []string
	var p, inv strings.Builder
	for _, au := range list {
		scheme := "Bearer"
		if c, ok := au.(Challenger); ok {
			scheme = c.Scheme()
		}
		if scheme == "" || slices.ContainsFunc(seen, func(s string) bool { return strings.EqualFold(s, scheme) }) {
			continue
		}
		seen = append(seen, scheme)
		if p.Len() > 0 {
			p.WriteString(", ")
			inv.WriteString(", ")
		}
		c := scheme + ` realm="` + realm + `"`
		p.WriteString(c)
		inv.WriteString(c)
		if strings.EqualFold(scheme, "Bearer") {
			inv.WriteString(`, error="invalid_token"`)
		}
	}
	return p.String(), inv.String()
}

// Handler authenticates every request before next sees it.
//
// It trusts only the authenticators' answers. It fails closed: a request
// reaches next only with a verified principal in [rampart.Info]. Refusals
// are a 401 whose body never says which check failed, with
// error="invalid_token" only when credentials were presented and refused
// (RFC 6750 §3); a technical failure of an authenticator (an identity
// provider that is down) is a 503, never "bad credentials".
func (a *Chain) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.authenticate(r)
		if err != nil {
			a.refuse(w, r, err)
			return
		}
		r, info := rampart.WithInfo(r)
		info.Principal = p
		next.ServeHTTP(w, r)
	})
}

// Authenticate runs the authenticators in order and returns the first
// verified principal. It returns an error wrapping
// [rampart.ErrNoCredentials] when none found credentials, the first error
// wrapping [rampart.ErrInvalidCredentials], or the first technical error.
// A Chain is itself a [rampart.Authenticator], so chains can nest.
func (a *Chain) Authenticate(r *http.Request) (*rampart.Principal, error) {
	return a.authenticate(r)
}

func (a *Chain) authenticate(r *http.Request) (*rampart.Principal, error) {
	for _, au := range a.authenticators {
		p, err := au.Authenticate(r)
		switch {
		case err == nil && p != nil:
			return p, nil
		case err == nil:
			return nil, ErrNoPrincipal
		case errors.Is(err, rampart.ErrNoCredentials):
			continue
		default:
			return nil, err
		}
	}
	return nil, rampart.ErrNoCredentials
}

func (a *Chain) refuse(w http.ResponseWriter, r *http.Request, err error) {
	var perr *problem.Error
	switch {
	case errors.Is(err, rampart.ErrNoCredentials):
		perr = &problem.Error{Status: http.StatusUnauthorized, Reason: "no credentials", Err: err}
		if a.challenge != "" {
			perr.WithHeader("WWW-Authenticate", a.challenge)
		}
	case errors.Is(err, rampart.ErrInvalidCredentials):
		perr = &problem.Error{Status: http.StatusUnauthorized, Reason: Reason(err), Err: err}
		if a.invalidToken != "" {
			perr.WithHeader("WWW-Authenticate", a.invalidToken)
		}
	default:
		perr = &problem.Error{Status: http.StatusServiceUnavailable, Reason: Reason(err), Err: err}
	}
	a.events.Emit(r, audit.Event{
		Name:   audit.AuthFailed,
		Reason: perr.Reason,
		OWASP:  audit.OWASPAuth,
		Status: perr.Status,
	})
	a.errorHandler(w, r, perr)
}

// Reason returns the precise internal reason carried by an authentication
// error, for logs and security events: the Reason of a [*problem.Error] in
// the chain, else the text of the reason a [*rampart.CredentialsError] (or
// an error wrapping ErrInvalidCredentials and one reason) carries, else
// the error's text. Authenticators must keep credentials and unverified
// token contents out of their error text; Reason does not scrub them.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var p *problem.Error
	if errors.As(err, &p) && p.Reason != "" {
		return p.Reason
	}
	var ce *rampart.CredentialsError
	if errors.As(err, &ce) && ce.Reason != nil {
		return ce.Reason.Error()
	}
	// fmt.Errorf("%w: %w", rampart.ErrInvalidCredentials, reason), as
	// authenticators written before CredentialsError do.
	if m, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := m.Unwrap(); len(errs) == 2 && errs[0] == rampart.ErrInvalidCredentials && errs[1] != nil {
			return errs[1].Error()
		}
	}
	return err.Error()
}

var _ rampart.Authenticator = (*Chain)(nil)

// Func adapts a function to [rampart.Authenticator], as http.HandlerFunc
// does for handlers.
type Func func(r *http.Request) (*rampart.Principal, error)

// Authenticate calls f(r).
func (f Func) Authenticate(r *http.Request) (*rampart.Principal, error) { return f(r) }

var _ rampart.Authenticator = Func(nil)
