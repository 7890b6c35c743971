package authz

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/requestid"
)

// Default identity header names.
const (
	DefaultSubjectHeader = "X-Rampart-Subject"
	DefaultRolesHeader   = "X-Rampart-Roles"
	DefaultScopesHeader  = "X-Rampart-Scopes"
	DefaultTenantHeader  = "X-Rampart-Tenant"
)

// ErrDuplicateHeader is returned by [NewForwarder] when two identity
// fields share a header.
var ErrDuplicateHeader = errors.New("authz: identity headers must be distinct")

// ErrReservedHeader is returned by [NewForwarder] for an identity header
// named like one the gateway sets or removes itself on the way to the
// upstream (see [ReservedHeaders]).
var ErrReservedHeader = errors.New("authz: identity header named like one the gateway sets itself")

// ReservedHeaders are the headers the gateway's proxy and tracing set on
// every forwarded request (the forwarding headers, the request id, the
// trace context, an empty User-Agent when the client sent none), and the
// hop-by-hop headers it removes. An identity header of one of these names
// would be overwritten or dropped, or would overwrite the gateway's own
// value, so [NewForwarder] refuses them in any case and with '_' for '-'.
// It is read-only: a program that changes it changes what every later
// [NewForwarder] refuses.
var ReservedHeaders = []string{
	"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "Forwarded",
	requestid.Header, "Traceparent", "Tracestate", "User-Agent", "Host", "Content-Length",
	"Connection", "Upgrade", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding",
}

// HeaderError is an identity header name [NewForwarder] refuses. It
// unwraps to [ErrBadHeader], [ErrDuplicateHeader] or [ErrReservedHeader].
type HeaderError struct {
	// Field is the identity field: subject, roles, scopes or tenant.
	Field string
	// Name is the header name as configured.
	Name string
	// Reason says why, for a reader who knows the field.
	Reason string
	// Err is the sentinel the error unwraps to.
	Err error
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("%s header %q: %v", e.Field, e.Name, e.Err)
}

func (e *HeaderError) Unwrap() error { return e.Err }

// ForwardConfig names the headers that carry the verified identity to the
// upstream. Empty fields take the defaults; "-" disables one field. The
// default names are stripped from client requests whatever the
// configuration says.
type ForwardConfig struct {
	// Subject names the subject header; default X-Rampart-Subject.
	Subject string
	// Roles names the roles header; default X-Rampart-Roles.
	Roles string
	// Scopes names the scopes header; default X-Rampart-Scopes.
	Scopes string
	// Tenant names the tenant header; default X-Rampart-Tenant.
	Tenant string
}

// Forwarder writes the verified identity into upstream request headers. It
// is immutable after [NewForwarder] and safe for concurrent use.
type Forwarder struct {
	subject, roles, scopes, tenant string
	// strip holds every configured name, lower-case with '_' as '-', so
	// that spellings an upstream would treat as the same header are
	// deleted too.
	strip []string
	// lengths has bit n set when a name in strip is n bytes long (n < 64);
	// long says whether one is longer.
	lengths uint64
	long    bool
}

// NewForwarder validates cfg and returns a Forwarder.
func NewForwarder(cfg ForwardConfig) (*Forwarder, error) {
	var errs []error
	f := &Forwarder{}
	seen := map[string]bool{}
	for _, h := range []struct {
		dst       *string
		val, def  string
		fieldName string
	}{
		{&f.subject, cfg.Subject, DefaultSubjectHeader, "subject"},
		{&f.roles, cfg.Roles, DefaultRolesHeader, "roles"},
		{&f.scopes, cfg.Scopes, DefaultScopesHeader, "scopes"},
		{&f.tenant, cfg.Tenant, DefaultTenantHeader, "tenant"},
	} {
		// The default names are always stripped, so that an upstream
		// still reading them after a rename never sees a client's copy.
		f.strip = append(f.strip, foldName(h.def))
		name := h.val
		switch name {
		case "":
			name = h.def
		case "-":
			continue
		}
		if !httpguts.ValidHeaderFieldName(name) {
			errs = append(errs, &HeaderError{h.fieldName, name, fmt.Sprintf("%q is not a valid header name", name), ErrBadHeader})
			continue
		}
		key := foldName(name)
		if i := slices.IndexFunc(ReservedHeaders, func(r string) bool { return sameFolded(r, key) }); i >= 0 {
			what := ReservedHeaders[i]
			if name != what {
				what = fmt.Sprintf("%q reads as %s, which", name, what)
			}
			reason := fmt.Sprintf("%s is a header the gateway sets or removes itself on every forwarded request, so the upstream could not tell the identity from it; choose another name (the default is %s)", what, h.def)
			errs = append(errs, &HeaderError{h.fieldName, name, reason, ErrReservedHeader})
			continue
		}
		if seen[key] {
			errs = append(errs, &HeaderError{h.fieldName, name, fmt.Sprintf("%q is already another identity field's header", name), ErrDuplicateHeader})
			continue
		}
		seen[key] = true
		*h.dst = http.CanonicalHeaderKey(name)
		if name != h.def {
			f.strip = append(f.strip, key)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, s := range f.strip {
		if len(s) < 64 {
			f.lengths |= 1 << len(s)
		} else {
			f.long = true
		}
	}
	return f, nil
}

// Strip deletes from h every header an upstream could read as one of the
// identity headers: any case, and '_' in place of '-' (CGI-style servers
// and some frameworks map both to the same variable).
func (f *Forwarder) Strip(h http.Header) {
	for k := range h {
		if f.IsIdentityHeader(k) {
			delete(h, k)
		}
	}
}

// IsIdentityHeader reports whether name is one that [Forwarder.Strip]
// deletes, for a proxy that removes client headers in one pass of its own
// (see [Forwarder.SetInfo]).
func (f *Forwarder) IsIdentityHeader(name string) bool {
	// Most names are answered by their length: it is called on every
	// header of every request.
	if n := len(name); n < 64 {
		if f.lengths&(1<<n) == 0 {
			return false
		}
	} else if !f.long {
		return false
	}
	for _, s := range f.strip {
		if sameFolded(name, s) {
			return true
		}
	}
	return false
}

// Rewrite is called from the proxy's Rewrite hook on the outbound
// request's headers: it first deletes every client-supplied copy of the
// identity headers ([Forwarder.Strip]), then sets them from p.
//
// It trusts only p, which must be verified; a nil p forwards no identity.
// Values are made safe for a header: bytes outside visible ASCII, '%', and
// ',' inside list items are percent-encoded, so a claim cannot inject
// header syntax, split a list or collide with another value. Roles and
// scopes are sent comma-separated.
//
//	proxy.Rewrite = func(pr *httputil.ProxyRequest) {
//		fwd.Rewrite(pr.Out.Header, rampart.PrincipalFrom(pr.In.Context()))
//		...
//	}
func (f *Forwarder) Rewrite(h http.Header, p *rampart.Principal) {
	f.Strip(h)
	f.set(h, p, nil)
}

// SetInfo sets the identity headers from the principal of info, holding
// their values in info (see [rampart.Info.HeaderValue]) so that
// forwarding an identity allocates no value slices. Unlike
// [Forwarder.Rewrite] it does not strip the client's copies first: it is
// for a proxy that has already deleted every header for which
// [Forwarder.IsIdentityHeader] holds, in the pass over the request's
// headers it makes anyway (proxy.Config.StripHeader), so that the
// headers are not walked twice. Anywhere else, use Rewrite.
func (f *Forwarder) SetInfo(h http.Header, info *rampart.Info) {
	if info != nil {
		f.set(h, info.Principal, info)
	}
}

// set sets the identity headers from p, taking the value slices from
// info, or, when info is nil, from one backing array.
func (f *Forwarder) set(h http.Header, p *rampart.Principal, info *rampart.Info) {
	if p == nil {
		return
	}
	var vals []string // one backing array for the values, each slice capped at its own
	set := func(name, v string) {
		if name == "" || v == "" {
			return
		}
		if info != nil {
			h[name] = info.HeaderValue(v)
			return
		}
		if vals == nil {
			vals = make([]string, 0, 4)
		}
		vals = append(vals, v)
		h[name] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	set(f.subject, escape(p.Subject, false))
	set(f.roles, joinEscaped(p.Roles))
	set(f.scopes, joinEscaped(p.Scopes))
	set(f.tenant, escape(p.Tenant, false))
}

func joinEscaped(list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return escape(list[0], true)
	}
	var b strings.Builder
	for _, s := range list {
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(escape(s, true))
	}
	return b.String()
}

// escape returns s unchanged when it needs no escaping (no allocation).
func escape(s string, listItem bool) string {
	needs := false
	for i := 0; i < len(s); i++ {
		if unsafeByte(s[i], listItem) {
			needs = true
			break
		}
	}
	if !needs {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unsafeByte(c, listItem) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unsafeByte(c byte, listItem bool) bool {
	return c <= 0x20 || c >= 0x7f || c == '%' || listItem && c == ','
}

func foldName(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// sameFolded reports whether k folds to the already-folded name s without
// allocating.
func sameFolded(k, s string) bool {
	if len(k) != len(s) {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '_':
			c = '-'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
