package tokens

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/problem"
)

// Paths returns the paths the service answers: the token and revocation
// endpoints, the logout path when set, the JWK Set and the discovery
// document.
func (s *Service) Paths() []string {
	p := []string{s.paths.token, s.paths.revoke, JWKSPath, DiscoveryPath}
	if s.paths.logout != "" {
		p = append(p, s.paths.logout)
	}
	return p
}

// Handles reports whether path is one of [Service.Paths].
func (s *Service) Handles(path string) bool {
	switch path {
	case s.paths.token, s.paths.revoke, JWKSPath, DiscoveryPath:
		return true
	}
	return path != "" && path == s.paths.logout
}

// ServeHTTP answers the service's endpoints; any other path is 404.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case JWKSPath:
		s.serveJWKS(w, r)
	case DiscoveryPath:
		s.serveDiscovery(w, r)
	case s.paths.token:
		s.serveToken(w, r)
	case s.paths.revoke:
		s.serveRevoke(w, r)
	default:
		if s.paths.logout != "" && r.URL.Path == s.paths.logout {
			s.serveLogout(w, r)
			return
		}
		http.NotFound(w, r)
	}
}

func (s *Service) getOnly(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	writeError(w, &OAuthError{Status: http.StatusMethodNotAllowed, Code: CodeInvalidRequest, Description: "GET required"})
	return false
}

func (s *Service) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if !s.getOnly(w, r) {
		return
	}
	jwks, _ := s.PublicJWKS()
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	// Shorter than the activation delay, so that caches see a new key
	// before it signs.
	h.Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(jwks)
}

// Discovery is the subset of RFC 8414 metadata the service publishes.
type Discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	TokenEndpoint                    string   `json:"token_endpoint"`
	RevocationEndpoint               string   `json:"revocation_endpoint"`
	GrantTypesSupported              []string `json:"grant_types_supported"`
	TokenEndpointAuthMethods         []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethods    []string `json:"revocation_endpoint_auth_methods_supported"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
}

// Metadata returns the discovery document.
func (s *Service) Metadata() Discovery {
	methods := []string{"none"}
	grants := []string{"refresh_token"}
	if len(s.clients) > 0 {
		grants = append(grants, "client_credentials")
		methods = []string{"client_secret_basic", "client_secret_post", "none"}
	}
	return Discovery{
		Issuer:                           s.issuer,
		JWKSURI:                          s.issuer + JWKSPath,
		TokenEndpoint:                    s.issuer + s.paths.token,
		RevocationEndpoint:               s.issuer + s.paths.revoke,
		GrantTypesSupported:              grants,
		TokenEndpointAuthMethods:         methods,
		RevocationEndpointAuthMethods:    methods,
		ResponseTypesSupported:           []string{},
		IDTokenSigningAlgValuesSupported: []string{s.alg},
		SubjectTypesSupported:            []string{"public"},
	}
}

func (s *Service) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	if !s.getOnly(w, r) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(s.Metadata())
}

func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

func writeError(w http.ResponseWriter, e *OAuthError) {
	h := w.Header()
	noStore(h)
	h.Set("Content-Type", "application/json")
	if e.Basic {
		h.Set("WWW-Authenticate", `Basic realm="token", charset="UTF-8"`)
	}
	if e.Status == http.StatusMethodNotAllowed && h.Get("Allow") == "" {
		h.Set("Allow", "POST")
	}
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(e)
}

// WriteResponse writes resp as an RFC 6749 section 5.1 token response,
// uncacheable, and with cookies when the service sets them.
func (s *Service) WriteResponse(w http.ResponseWriter, resp *Response) {
	h := w.Header()
	noStore(h)
	h.Set("Content-Type", "application/json")
	if s.cookies {
		s.setCookies(w, resp)
	}
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(resp)
}

func (s *Service) setCookies(w http.ResponseWriter, resp *Response) {
	http.SetCookie(w, &http.Cookie{Name: AccessCookie, Value: resp.AccessToken, Path: "/", MaxAge: int(resp.ExpiresIn),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	if resp.RefreshToken != "" {
		http.SetCookie(w, &http.Cookie{Name: RefreshCookie, Value: resp.RefreshToken, Path: s.refreshCookiePath(), MaxAge: int(s.refreshTTL / time.Second),
			HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	}
}

// refreshCookiePath scopes the refresh cookie to the endpoints that read
// it: the token endpoint, or, with a logout path elsewhere, the root.
func (s *Service) refreshCookiePath() string {
	if s.paths.logout == "" {
		return s.paths.token
	}
	return "/"
}

func (s *Service) clearCookies(w http.ResponseWriter) {
	for _, c := range []struct{ name, path string }{{AccessCookie, "/"}, {RefreshCookie, s.refreshCookiePath()}} {
		http.SetCookie(w, &http.Cookie{Name: c.name, Value: "", Path: c.path, MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	}
}

func (s *Service) emit(r *http.Request, name, reason string, id Identity) {
	var attrs []slog.Attr
	if id.Subject != "" {
		attrs = append(attrs, slog.String("subject", id.Subject))
	}
	if id.ClientID != "" {
		attrs = append(attrs, slog.String("client_id", id.ClientID))
	}
	s.events.Emit(r, audit.Event{Name: name, Reason: reason, OWASP: audit.OWASPAuth, Attrs: attrs})
}

func (s *Service) serveToken(w http.ResponseWriter, r *http.Request) {
	form, oerr := ParseForm(r, s.maxForm)
	if oerr != nil {
		writeError(w, oerr)
		return
	}
	switch form.Get("grant_type") {
	case "":
		writeError(w, badRequest("grant_type is required"))
	case "refresh_token":
		s.refreshGrant(w, r, form)
	case "client_credentials":
		s.clientGrant(w, r, form)
	default:
		writeError(w, &OAuthError{Status: http.StatusBadRequest, Code: CodeUnsupportedGrantType})
	}
}

func (s *Service) refreshGrant(w http.ResponseWriter, r *http.Request, form url.Values) {
	rt := form.Get("refresh_token")
	if rt == "" && s.cookies {
		if c, err := r.Cookie(RefreshCookie); err == nil {
			rt = c.Value
		}
	}
	if rt == "" {
		writeError(w, badRequest("refresh_token is required"))
		return
	}
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if _, ok := form["client_secret"]; ok || strings.EqualFold(scheme, "Basic") {
		// Refresh tokens here belong to first-party logins, which have no
		// client credentials; a client presenting some is confused.
		writeError(w, &OAuthError{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: "refresh tokens are not bound to client credentials"})
		return
	}
	resp, id, err := s.Refresh(r.Context(), rt, strings.Fields(form.Get("scope"))...)
	switch {
	case errors.Is(err, ErrReused):
		s.emit(r, EventReuseDetected, "retired refresh token presented; family revoked", id)
		writeError(w, &OAuthError{Status: http.StatusBadRequest, Code: CodeInvalidGrant})
		return
	case errors.Is(err, ErrNotFound):
		writeError(w, &OAuthError{Status: http.StatusBadRequest, Code: CodeInvalidGrant})
		return
	case errors.Is(err, ErrScope):
		writeError(w, &OAuthError{Status: http.StatusBadRequest, Code: CodeInvalidScope})
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.emit(r, EventRefreshed, "", id)
	s.WriteResponse(w, resp)
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func (s *Service) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("token endpoint failed", slog.Any("error", err))
	s.events.Emit(r, audit.Event{Name: audit.StoreUnavailable, Reason: "token store failed", Status: http.StatusServiceUnavailable})
	writeError(w, &OAuthError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable"})
}

// clientCredentials extracts client_secret_basic or client_secret_post
// credentials; ok is false when the request carries none.
func clientCredentials(r *http.Request, form url.Values) (id, secret string, basic bool, oerr *OAuthError) {
	authz := r.Header.Values("Authorization")
	_, inBody := form["client_secret"]
	if len(authz) > 0 {
		if inBody || len(authz) > 1 {
			return "", "", true, badRequest("use one client authentication method")
		}
		scheme, cred, _ := strings.Cut(authz[0], " ")
		if !strings.EqualFold(scheme, "Basic") {
			return "", "", true, &OAuthError{Status: http.StatusUnauthorized, Code: CodeInvalidClient, Basic: true}
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return "", "", true, &OAuthError{Status: http.StatusUnauthorized, Code: CodeInvalidClient, Basic: true}
		}
		u, p, ok := strings.Cut(string(raw), ":")
		// RFC 6749 section 2.3.1: both are form-urlencoded first.
		uid, err1 := url.QueryUnescape(u)
		pw, err2 := url.QueryUnescape(p)
		if !ok || err1 != nil || err2 != nil || uid == "" {
			return "", "", true, &OAuthError{Status: http.StatusUnauthorized, Code: CodeInvalidClient, Basic: true}
		}
		if fid := form.Get("client_id"); fid != "" && fid != uid {
			return "", "", true, badRequest("client_id differs from the authenticated client")
		}
		return uid, pw, true, nil
	}
	return form.Get("client_id"), form.Get("client_secret"), false, nil
}

func (s *Service) clientGrant(w http.ResponseWriter, r *http.Request, form url.Values) {
	id, secret, basic, oerr := clientCredentials(r, form)
	if oerr != nil {
		writeError(w, oerr)
		return
	}
	if id == "" || secret == "" {
		writeError(w, &OAuthError{Status: http.StatusUnauthorized, Code: CodeInvalidClient, Basic: basic})
		return
	}
	c, ok := s.authenticateClient(w, r, id, secret, basic)
	if !ok {
		return
	}
	scopes := c.Scopes
	if sc := form.Get("scope"); sc != "" {
		asked := strings.Fields(sc)
		if !subset(asked, c.Scopes) {
			writeError(w, &OAuthError{Status: http.StatusBadRequest, Code: CodeInvalidScope})
			return
		}
		scopes = asked
	}
	ident := Identity{Subject: c.ID, ClientID: c.ID, Roles: c.Roles, Scopes: scopes}
	resp, err := s.Issue(r.Context(), ident)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.emit(r, EventIssued, "client_credentials", ident)
	s.WriteResponse(w, resp)
}

// argonSlots bounds concurrent argon2id checks: each takes tens of MiB.
var argonSlots = make(chan struct{}, 2)

// authenticateClient checks a client secret, counting failures per
// client id and per client IP with the brute-force store. It writes the
// refusal itself.
func (s *Service) authenticateClient(w http.ResponseWriter, r *http.Request, id, secret string, basic bool) (*Client, bool) {
	ctx := r.Context()
	counters := []bruteforce.Counter{{Key: "client:" + id, Policy: s.policy}}
	if info := rampart.InfoFrom(ctx); info != nil && info.ClientIP.IsValid() {
		p := s.policy
		p.MaxFailures *= 4
		counters = append(counters, bruteforce.Counter{Key: "client-ip:" + info.ClientIP.String(), Policy: p})
	}
	att, err := s.guard.Attempt(ctx, counters...)
	if err != nil {
		s.serverError(w, r, err)
		return nil, false
	}
	if att.Locked > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(att.Locked.Round(time.Second)/time.Second)+1))
		s.emit(r, EventClientFailed, "client locked out after repeated failures", Identity{ClientID: id})
		writeError(w, &OAuthError{Status: http.StatusTooManyRequests, Code: CodeInvalidClient, Description: "too many failed attempts; retry later"})
		return nil, false
	}
	c := s.clients[id]
	ok := false
	if c != nil {
		select {
		case argonSlots <- struct{}{}:
		case <-ctx.Done():
			return nil, false
		}
		ok, _ = argon2id.ComparePasswordAndHash(secret, c.SecretHash)
		<-argonSlots
	}
	if !ok {
		s.emit(r, EventClientFailed, "wrong or unknown client credentials", Identity{ClientID: id})
		writeError(w, &OAuthError{Status: http.StatusUnauthorized, Code: CodeInvalidClient, Basic: basic})
		return nil, false
	}
	for i, cn := range counters {
		_ = s.guard.Refund(context.WithoutCancel(ctx), cn.Key, att.Started != nil && att.Started[i] > 0)
	}
	return c, true
}

func (s *Service) serveRevoke(w http.ResponseWriter, r *http.Request) {
	form, oerr := ParseForm(r, s.maxForm)
	if oerr != nil {
		writeError(w, oerr)
		return
	}
	tok := form.Get("token")
	if tok == "" {
		writeError(w, badRequest("token is required"))
		return
	}
	var client *Client
	if id, secret, basic, oerr := clientCredentials(r, form); oerr != nil {
		writeError(w, oerr)
		return
	} else if secret != "" {
		c, ok := s.authenticateClient(w, r, id, secret, basic)
		if !ok {
			return
		}
		client = c
	}
	switch form.Get("token_type_hint") {
	case "", "access_token", "refresh_token":
	default:
		writeError(w, &OAuthError{Status: http.StatusBadRequest, Code: CodeUnsupportedTokenType})
		return
	}
	if err := s.revokeAny(r, tok, client); err != nil {
		s.serverError(w, r, err)
		return
	}
	// RFC 7009 section 2.2: 200 whether or not the token was valid.
	noStore(w.Header())
	w.WriteHeader(http.StatusOK)
}

// revokeAny revokes tok as an access token (a JWT) or a refresh token;
// an unknown token is no error. A client may only revoke its own
// tokens; a refresh token's holder may always revoke it.
func (s *Service) revokeAny(r *http.Request, tok string, client *Client) error {
	ctx := r.Context()
	if strings.Count(tok, ".") == 2 {
		cl, err := s.parse(tok)
		if err != nil {
			return nil
		}
		if cid, _ := cl["client_id"].(string); client != nil && cid != client.ID {
			return nil
		}
		id, err := s.RevokeAccess(ctx, tok)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err == nil {
			s.emit(r, EventRevoked, "access token revoked", id)
		}
		return err
	}
	id, err := s.RevokeRefresh(ctx, tok)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err == nil {
		s.emit(r, EventRevoked, "refresh token family revoked", id)
	}
	return err
}

// serveLogout revokes the caller's access token (Authorization: Bearer or
// the access cookie) and refresh token (refresh_token form field or the
// refresh cookie), clears the cookies and answers 204. It needs no valid
// token: logging out twice is not an error.
func (s *Service) serveLogout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, &OAuthError{Status: http.StatusMethodNotAllowed, Code: CodeInvalidRequest, Description: "POST required"})
		return
	}
	var access, refresh string
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		access = strings.TrimSpace(tok)
	}
	if s.cookies {
		if c, err := r.Cookie(AccessCookie); err == nil && access == "" {
			access = c.Value
		}
		if c, err := r.Cookie(RefreshCookie); err == nil {
			refresh = c.Value
		}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		form, oerr := ParseForm(r, s.maxForm)
		if oerr != nil {
			writeError(w, oerr)
			return
		}
		if v := form.Get("refresh_token"); v != "" {
			refresh = v
		}
	}
	for _, t := range []string{access, refresh} {
		if t == "" {
			continue
		}
		if err := s.revokeAny(r, t, nil); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if s.cookies {
		s.clearCookies(w)
	}
	noStore(w.Header())
	w.WriteHeader(http.StatusNoContent)
}

// RevokeSubjectHandler answers POST ?sub=SUBJECT by revoking every token
// of that subject ([Service.RevokeSubject]) with {"revoked": N}, the
// number of access tokens revoked. It is for the admin listener, which
// authenticates its callers; never mount it on the public listener.
func (s *Service) RevokeSubjectHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			problem.Write(w, r, problem.New(http.StatusMethodNotAllowed, "POST required"))
			return
		}
		subs := r.URL.Query()["sub"]
		if len(subs) != 1 || subs[0] == "" {
			problem.Write(w, r, problem.New(http.StatusBadRequest, "exactly one sub parameter is required"))
			return
		}
		n, err := s.RevokeSubject(r.Context(), subs[0])
		if err != nil {
			s.log.Error("revoking a subject", slog.Any("error", err))
			problem.Write(w, r, problem.New(http.StatusServiceUnavailable, "token store unavailable"))
			return
		}
		noStore(w.Header())
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"revoked": n})
	})
}
