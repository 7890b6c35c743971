package tokens

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-openapi/jsonpointer"

	"github.com/rampart-api/rampart/problem"
)

// Headers an upstream login handler sets to name the user it has
// authenticated. They never reach the client.
const (
	LoginSubjectHeader = "X-Rampart-Login-Subject"
	LoginRolesHeader   = "X-Rampart-Login-Roles"
	LoginScopesHeader  = "X-Rampart-Login-Scopes"
	LoginTenantHeader  = "X-Rampart-Login-Tenant"
	loginHeaderPrefix  = "X-Rampart-Login-"
)

// DefaultLoginBodyBytes bounds the login answer read for JSON pointers.
const DefaultLoginBodyBytes = 64 << 10

// LoginConfig says where a login answer names the user.
type LoginConfig struct {
	// SubjectPointer, RolesPointer, ScopesPointer and TenantPointer are
	// RFC 6901 JSON pointers into the upstream's 2xx JSON body (e.g.
	// /user/id). When SubjectPointer is empty the X-Rampart-Login-*
	// headers are read instead.
	SubjectPointer, RolesPointer, ScopesPointer, TenantPointer string
	// MaxBodyBytes bounds the body read for the pointers; default 64 KiB.
	MaxBodyBytes int64
}

type compiledLogin struct {
	subject, roles, scopes, tenant *jsonpointer.Pointer
	max                            int64
}

// LoginExchange returns the middleware of a login route, placed right in
// front of the upstream. A 2xx answer means the credentials were right:
// the user it names (X-Rampart-Login-* headers, or the JSON pointers) gets
// a fresh token pair, written as an RFC 6749 token response in place of
// the upstream's body and headers. Any other answer passes through
// unchanged, minus the X-Rampart-Login-* headers. A 2xx that names no
// user is a broken upstream: 502, and no tokens.
func (s *Service) LoginExchange(cfg LoginConfig) (func(http.Handler) http.Handler, error) {
	c, err := cfg.compile()
	if err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.exchange(c, next, w, r)
		})
	}, nil
}

// Validate checks cfg as [Service.LoginExchange] does.
func (cfg LoginConfig) Validate() error {
	_, err := cfg.compile()
	return err
}

func (cfg LoginConfig) compile() (*compiledLogin, error) {
	c := &compiledLogin{max: cfg.MaxBodyBytes}
	if c.max == 0 {
		c.max = DefaultLoginBodyBytes
	}
	var errs []error
	for _, f := range []struct {
		name string
		src  string
		dst  **jsonpointer.Pointer
	}{{"SubjectPointer", cfg.SubjectPointer, &c.subject}, {"RolesPointer", cfg.RolesPointer, &c.roles}, {"ScopesPointer", cfg.ScopesPointer, &c.scopes}, {"TenantPointer", cfg.TenantPointer, &c.tenant}} {
		if f.src == "" {
			continue
		}
		if !strings.HasPrefix(f.src, "/") {
			errs = append(errs, fmt.Errorf("%w: %s: %q is not a JSON pointer (it starts with /)", ErrConfig, f.name, f.src))
			continue
		}
		p, err := jsonpointer.New(f.src)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrConfig, f.name, err))
			continue
		}
		*f.dst = &p
	}
	if c.subject == nil && (c.roles != nil || c.scopes != nil || c.tenant != nil) {
		errs = append(errs, fmt.Errorf("%w: SubjectPointer: required with the other pointers", ErrConfig))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func (s *Service) exchange(c *compiledLogin, next http.Handler, w http.ResponseWriter, r *http.Request) {
	cw := &captureWriter{out: w, header: http.Header{}, max: c.max}
	next.ServeHTTP(cw, r)
	if !cw.wroteHeader {
		cw.WriteHeader(http.StatusOK)
	}
	if cw.passed {
		return
	}
	id, err := c.identity(cw)
	if err != nil {
		problem.Write(w, r, problem.New(http.StatusBadGateway, err.Error()))
		return
	}
	resp, err := s.Issue(r.Context(), id)
	if err != nil {
		s.log.Error("issuing tokens after a login", "error", err)
		problem.Write(w, r, problem.New(http.StatusServiceUnavailable, "token store unavailable"))
		return
	}
	s.emit(r, EventIssued, "login", id)
	s.WriteResponse(w, resp)
}

func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// identity reads the user from a captured 2xx answer.
func (c *compiledLogin) identity(cw *captureWriter) (Identity, error) {
	if c.subject == nil {
		h := cw.login
		id := Identity{Subject: strings.TrimSpace(h.Get(LoginSubjectHeader)), Roles: splitList(h.Get(LoginRolesHeader)),
			Scopes: splitList(h.Get(LoginScopesHeader)), Tenant: strings.TrimSpace(h.Get(LoginTenantHeader))}
		if id.Subject == "" {
			return id, errors.New("login upstream answered 2xx without " + LoginSubjectHeader)
		}
		return id, nil
	}
	if cw.overflow {
		return Identity{}, errors.New("login upstream answer too large to read the user from")
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(cw.body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return Identity{}, errors.New("login upstream answer is not JSON")
	}
	var id Identity
	sub, ok := lookup(c.subject, doc)
	id.Subject, _ = scalar(sub)
	if !ok || id.Subject == "" {
		return id, errors.New("login upstream answer names no subject")
	}
	if v, ok := lookup(c.roles, doc); ok {
		id.Roles = list(v)
	}
	if v, ok := lookup(c.scopes, doc); ok {
		id.Scopes = list(v)
	}
	if v, ok := lookup(c.tenant, doc); ok {
		id.Tenant, _ = scalar(v)
	}
	return id, nil
}

func lookup(p *jsonpointer.Pointer, doc any) (any, bool) {
	if p == nil {
		return nil, false
	}
	v, _, err := p.Get(doc)
	return v, err == nil && v != nil
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

func list(v any) []string {
	if s, ok := scalar(v); ok {
		return splitList(s)
	}
	arr, _ := v.([]any)
	var out []string
	for _, e := range arr {
		if s, ok := scalar(e); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// captureWriter holds a 2xx answer back for the exchange and lets any
// other answer through as it comes, without the login headers.
type captureWriter struct {
	out         http.ResponseWriter
	header      http.Header
	login       http.Header
	wroteHeader bool
	passed      bool
	body        bytes.Buffer
	max         int64
	overflow    bool
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(code int) {
	if c.wroteHeader || code < 200 {
		return
	}
	c.wroteHeader = true
	c.login = http.Header{}
	for k, v := range c.header {
		if strings.HasPrefix(k, loginHeaderPrefix) {
			c.login[k] = v
			delete(c.header, k)
		}
	}
	if code >= 200 && code < 300 {
		return
	}
	c.passed = true
	dst := c.out.Header()
	for k, v := range c.header {
		dst[k] = v
	}
	c.out.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	if c.passed {
		return c.out.Write(b)
	}
	if room := c.max - int64(c.body.Len()); int64(len(b)) > room {
		c.overflow = true
		if room > 0 {
			c.body.Write(b[:room])
		}
		return len(b), nil
	}
	return c.body.Write(b)
}

// Flush sends a passed-through answer on; a held 2xx waits for the end.
func (c *captureWriter) Flush() {
	if f, ok := c.out.(http.Flusher); ok && c.passed {
		f.Flush()
	}
}
