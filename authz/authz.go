package authz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/claims"
	"github.com/rampart-api/rampart/internal/challenge"
	"github.com/rampart-api/rampart/problem"
)

// Denial is a refusal: the principal is valid but not allowed. It wraps
// [rampart.ErrForbidden]. Reason and OWASP go to security events only.
type Denial struct {
	// Reason names the rule that failed ("not owner").
	Reason string
	// OWASP is the OWASP API Top 10 tag of the event (see package audit).
	OWASP string
}

func (d *Denial) Error() string { return "authz: " + d.Reason }

func (d *Denial) Unwrap() error { return rampart.ErrForbidden }

// Denials returned by [Authorizer.Authorize]; match them with errors.Is.
var (
	ErrRoleMissing    = &Denial{"role missing", audit.OWASPFunctionAuthz}
	ErrScopeMissing   = &Denial{"scope missing", audit.OWASPFunctionAuthz}
	ErrNotOwner       = &Denial{"not owner", audit.OWASPBOLA}
	ErrOwnerClaim     = &Denial{"owner claim missing or not a string", audit.OWASPBOLA}
	ErrTenantMismatch = &Denial{"tenant mismatch", audit.OWASPBOLA}
	ErrTenantMissing  = &Denial{"tenant missing or ambiguous in the request", audit.OWASPBOLA}
	ErrTenantClaim    = &Denial{"tenant claim missing or not a string", audit.OWASPBOLA}
)

// RuleError is a rule that cannot be applied to a request: a
// configuration mistake, answered as a technical failure (500, fail
// closed), not as a denial. Reason goes to the security event.
type RuleError struct {
	Reason string
}

func (e *RuleError) Error() string { return "authz: " + e.Reason }

// ErrParamMissing is returned when a rule names a path parameter the
// matched route does not have.
var ErrParamMissing error = &RuleError{Reason: "path parameter missing"}

// ErrNoPrincipal is returned for a nil principal (authentication did not
// run); it wraps [rampart.ErrNoCredentials], so it is answered with a 401.
var ErrNoPrincipal = fmt.Errorf("authz: no principal: %w", rampart.ErrNoCredentials)

// Configuration errors returned by [New], joined when several apply.
var (
	ErrBadName   = errors.New("authz: role, scope and parameter names must be non-empty without spaces")
	ErrBadTenant = errors.New("authz: tenant needs exactly one of param and header")
	ErrBadHeader = errors.New("authz: invalid header name")
	ErrBadRealm  = errors.New("authz: realm must be printable ASCII without quotes or backslashes")
)

// Owner requires that a path parameter equal a claim of the principal —
// the object belongs to the caller — unless the principal holds one of
// ExceptRoles.
type Owner struct {
	// Param is the path parameter holding the owner id. Required.
	Param string
	// Claim is the claim path compared with it (see package claims);
	// empty means the principal's Subject.
	Claim string
	// ExceptRoles may access any object.
	ExceptRoles []string
}

// Tenant requires that the tenant named by the request equal the
// principal's tenant.
type Tenant struct {
	// Param or Header names the request's tenant; exactly one is set.
	Param  string
	Header string
	// Claim is the claim path holding the principal's tenant; empty means
	// the principal's Tenant.
	Claim string
}

// Config is one route's authorization rule. With no rule set, any verified
// principal passes.
type Config struct {
	// Roles: the principal needs any one of them.
	Roles []string
	// Scopes: the principal needs every one of them.
	Scopes []string
	// Owner, when set, is the object ownership (BOLA) rule.
	Owner *Owner
	// Tenant, when set, is the tenant isolation rule.
	Tenant *Tenant
	// Realm is named in 401 and 403 challenges. Default "rampart".
	Realm string
	// Events receives an [audit.AuthzDenied] event per refusal.
	Events *audit.Logger
	// ErrorHandler renders refusals; default [problem.Write].
	ErrorHandler problem.ErrorHandler
}

// Authorizer enforces one route's rule. It is immutable after [New] and
// safe for concurrent use.
type Authorizer struct {
	roles, scopes []string
	owner         *owner
	tenant        *tenant

	challenge, insufficientScope string
	events                       *audit.Logger
	errorHandler                 problem.ErrorHandler
}

type owner struct {
	param  string
	claim  claims.Path
	except []string
}

type tenant struct {
	param, header string
	claim         claims.Path
}

// New validates cfg and returns its Authorizer, reporting every problem at
// once with errors.Join.
func New(cfg Config) (*Authorizer, error) {
	var errs []error
	names := func(field string, list []string) []string {
		for i, n := range list {
			if !validName(n) {
				errs = append(errs, fmt.Errorf("%s[%d] %q: %w", field, i, n, ErrBadName))
			}
		}
		return append([]string(nil), list...)
	}
	path := func(field, s string) claims.Path {
		if s == "" {
			return claims.Path{}
		}
		p, err := claims.Parse(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
		return p
	}
	a := &Authorizer{
		roles:        names("roles", cfg.Roles),
		scopes:       names("scopes", cfg.Scopes),
		events:       cfg.Events,
		errorHandler: cfg.ErrorHandler,
	}
	if o := cfg.Owner; o != nil {
		if !validName(o.Param) {
			errs = append(errs, fmt.Errorf("owner.param %q: %w", o.Param, ErrBadName))
		}
		a.owner = &owner{param: o.Param, claim: path("owner.claim", o.Claim), except: names("owner.except_roles", o.ExceptRoles)}
	}
	if t := cfg.Tenant; t != nil {
		switch {
		case (t.Param == "") == (t.Header == ""):
			errs = append(errs, ErrBadTenant)
		case t.Param != "" && !validName(t.Param):
			errs = append(errs, fmt.Errorf("tenant.param %q: %w", t.Param, ErrBadName))
		case t.Header != "" && !httpguts.ValidHeaderFieldName(t.Header):
			errs = append(errs, fmt.Errorf("tenant.header %q: %w", t.Header, ErrBadHeader))
		}
		a.tenant = &tenant{param: t.Param, header: http.CanonicalHeaderKey(t.Header), claim: path("tenant.claim", t.Claim)}
	}
	realm := cfg.Realm
	if realm == "" {
		realm = "rampart"
	}
	if !challenge.ValidRealm(realm) {
		errs = append(errs, fmt.Errorf("realm %q: %w", realm, ErrBadRealm))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	a.challenge = `Bearer realm="` + realm + `"`
	a.insufficientScope = `Bearer realm="` + realm + `", error="insufficient_scope"`
	if a.errorHandler == nil {
		a.errorHandler = problem.Write
	}
	return a, nil
}

// Authorize reports whether p may make r. It returns nil, a [*Denial]
// (wrapping [rampart.ErrForbidden]), or [ErrParamMissing].
//
// It trusts p to be verified and the path parameters of the
// [rampart.Info] in ctx to come from the route matcher; it trusts no
// request header beyond the configured tenant header, which must appear
// exactly once. It fails closed: a nil principal, a claim that is absent
// or of the wrong type (only strings and integral numbers compare), and an
// empty value on either side all deny. It does not allocate and is safe
// for concurrent use.
func (a *Authorizer) Authorize(ctx context.Context, p *rampart.Principal, r *http.Request) error {
	if p == nil {
		return ErrNoPrincipal
	}
	if len(a.roles) > 0 && !p.HasRole(a.roles...) {
		return ErrRoleMissing
	}
	if !p.HasScopes(a.scopes...) {
		return ErrScopeMissing
	}
	info := rampart.InfoFrom(ctx)
	if o := a.owner; o != nil && !(len(o.except) > 0 && p.HasRole(o.except...)) {
		id, ok := info.Param(o.param)
		if !ok {
			return ErrParamMissing
		}
		want, ok := p.Subject, true
		if !o.claim.IsZero() {
			want, ok = claimString(o.claim, p.Claims)
		}
		if !ok || want == "" {
			return ErrOwnerClaim
		}
		if id == "" || id != want {
			return ErrNotOwner
		}
	}
	if t := a.tenant; t != nil {
		var got string
		if t.param != "" {
			v, ok := info.Param(t.param)
			if !ok {
				return ErrParamMissing
			}
			got = v
		} else {
			vs := r.Header[t.header]
			if len(vs) != 1 {
				return ErrTenantMissing
			}
			got = vs[0]
		}
		if got == "" {
			return ErrTenantMissing
		}
		want, ok := p.Tenant, true
		if !t.claim.IsZero() {
			want, ok = claimString(t.claim, p.Claims)
		}
		if !ok || want == "" {
			return ErrTenantClaim
		}
		if got != want {
			return ErrTenantMismatch
		}
	}
	return nil
}

// claimString returns a claim as a string when it is one, or an integral
// number in canonical decimal form (see [claims.String]), so that "42" in a
// path matches a numeric user id of 42 but "042", "4.2e1" and arrays do
// not.
func claimString(path claims.Path, c map[string]any) (string, bool) {
	v, ok := path.Lookup(c)
	if !ok {
		return "", false
	}
	return claims.String(v)
}

// Handler refuses requests whose principal the rule does not allow: 401
// when there is no principal at all (authentication did not run), 403 when
// it is valid but not enough (with error="insufficient_scope" for a
// missing scope, RFC 6750 §3.1), 500 for [ErrParamMissing]. The body never
// says which rule failed; an [audit.AuthzDenied] event does.
func (a *Authorizer) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := a.Authorize(r.Context(), rampart.PrincipalFrom(r.Context()), r)
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		a.refuse(w, r, err)
	})
}

func (a *Authorizer) refuse(w http.ResponseWriter, r *http.Request, err error) {
	var perr *problem.Error
	owasp := audit.OWASPFunctionAuthz
	var d *Denial
	switch {
	case errors.As(err, &d):
		perr = &problem.Error{Status: http.StatusForbidden, Reason: d.Reason, Err: err}
		owasp = d.OWASP
		if d == ErrScopeMissing {
			perr.WithHeader("WWW-Authenticate", a.insufficientScope)
		}
	case errors.Is(err, ErrNoPrincipal):
		perr = &problem.Error{Status: http.StatusUnauthorized, Reason: "no principal", Err: err}
		perr.WithHeader("WWW-Authenticate", a.challenge)
		owasp = audit.OWASPAuth
	default:
		reason := err.Error()
		if re := (*RuleError)(nil); errors.As(err, &re) {
			reason = re.Reason
		}
		perr = &problem.Error{Status: http.StatusInternalServerError, Reason: reason, Err: err}
		owasp = audit.OWASPMisconfig
	}
	a.events.Emit(r, audit.Event{Name: audit.AuthzDenied, Reason: perr.Reason, OWASP: owasp, Status: perr.Status})
	a.errorHandler(w, r, perr)
}

func validName(s string) bool {
	return s != "" && strings.TrimSpace(s) == s && !strings.ContainsAny(s, " \t\r\n")
}
