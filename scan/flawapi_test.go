package scan

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// flaw is one weakness flawAPI can be given. Without any, flawAPI is
// hardened the way Rampart would harden it, so a check run against
// flawAPI with and without a flaw is a minimal pair.
type flaw string

const (
	flawNoHeaders      flaw = "no security headers"
	flawXSSFilter      flaw = "X-XSS-Protection: 1"
	flawServerVersion  flaw = "Server header with a version"
	flawCORSReflect    flaw = "CORS echoes any origin"
	flawCORSNull       flaw = "CORS allows null"
	flawCORSWildcard   flaw = "CORS * with credentials"
	flawCORSAnyMethod  flaw = "preflight echoes any method"
	flawStackTrace     flaw = "bad JSON answers a stack trace"
	flawServerError    flaw = "bad JSON answers 500"
	flawBanner         flaw = "framework 404 page"
	flawSQLQuote       flaw = "quote in id breaks the query"
	flawPasswordHash   flaw = "password hash in user"
	flawTokenClaim     flaw = "password in token payload"
	flawMetrics        flaw = "public metrics"
	flawListing        flaw = "directory listing"
	flawDocs           flaw = "public API description"
	flawShadowOp       flaw = "legacy alias of /api/users/me"
	flawAnonymousNotes flaw = "notes readable without credentials"
	flawAlgNone        flaw = "alg none accepted"
	flawUnverified     flaw = "signature not verified"
	flawWeakSecret     flaw = "HS256 secret is \"secret\""
	flawQueryToken     flaw = "token read from the query"
	flawBOLARead       flaw = "notes readable by anyone"
	flawBOLAWrite      flaw = "notes writable by anyone"
	flawBFLA           flaw = "admin stats without the admin role"
	flawMassAssign     flaw = "signup takes role"
	flawNoLoginLimit   flaw = "no login lockout"
	flawNoSQL          flaw = "login takes operators"
	flawXSS            flaw = "search reflected in HTML"
	flawBigBody        flaw = "no body size limit"
	flawDeepJSON       flaw = "no JSON depth limit"
	flawSQLBoolean     flaw = "id concatenated into the query"
	flawCORSAny        flaw = "CORS * on every answer"
	flawNoExpiry       flaw = "tokens without exp"
	flawLongToken      flaw = "tokens living 30 days"
	flawFrameAllowAll  flaw = "X-Frame-Options: ALLOWALL"

	// Modes that are no flaw but trip naive scanners.
	modeSPA             flaw = "single-page app shell for every unknown path"
	modeUnexpected500   flaw = "500 Unexpected path for every unknown path"
	modeCaseInsensitive flaw = "case-insensitive routes"
	modePublicStats     flaw = "admin stats public by design"
)

const (
	flawAudience = "notes-api"
	flawIssuer   = "https://issuer.test"
	appOrigin    = "https://app.test"
)

// flawAPI is a small notes API: GET /api, /api/users/me,
// /api/notes/{id} (PUT too), /api/admin/stats, POST /api/login and
// /api/signup. Alice (sub 1) owns note 1, bob (sub 2) note 2.
type flawAPI struct {
	flaws  map[flaw]bool
	secret []byte
	mux    *http.ServeMux
	// tokenIn is where the API reads tokens: "" for Authorization:
	// Bearer, "raw" for a bare Authorization value, "cookie:NAME" or
	// "header:NAME".
	tokenIn string

	mu    sync.Mutex
	fails int
}

func newFlawAPI(flaws ...flaw) *flawAPI {
	a := &flawAPI{flaws: map[flaw]bool{}, secret: []byte(strongSecret), mux: http.NewServeMux()}
	for _, f := range flaws {
		a.flaws[f] = true
	}
	if a.flaws[flawWeakSecret] {
		a.secret = []byte("secret")
	}
	a.mux.HandleFunc("GET /api", a.index)
	a.mux.HandleFunc("GET /api/users/me", a.me)
	if a.flaws[flawShadowOp] {
		a.mux.HandleFunc("GET /api/me", a.me)
	}
	a.mux.HandleFunc("GET /api/notes/{id}", a.note)
	a.mux.HandleFunc("PUT /api/notes/{id}", a.note)
	a.mux.HandleFunc("GET /api/admin/stats", a.stats)
	a.mux.HandleFunc("POST /api/login", a.login)
	a.mux.HandleFunc("POST /api/signup", a.signup)
	a.mux.HandleFunc("GET /metrics", a.public(flawMetrics, "text/plain", "# HELP notes_total Notes.\n# TYPE notes_total counter\nnotes_total 2\n"))
	a.mux.HandleFunc("GET /static/", a.public(flawListing, "text/html", "<html><title>Index of /static/</title><h1>Index of /static/</h1><a href=\"app.js\">app.js</a></html>"))
	a.mux.HandleFunc("GET /openapi.json", a.public(flawDocs, "application/json", `{"openapi":"3.0.3","info":{"title":"notes","version":"1"},"paths":{}}`))
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case a.flaws[modeSPA]:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!doctype html><html><head><title>Notes</title></head><body><app-root></app-root><script src="main.js"></script></body></html>`)
		case a.flaws[modeUnexpected500]:
			a.writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "Unexpected path: " + r.URL.Path})
		default:
			a.refuse(w, http.StatusNotFound, r)
		}
	})
	return a
}

func (a *flawAPI) start(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (a *flawAPI) token(sub, name, role string) string {
	c := jwt.MapClaims{"sub": sub, "username": name, "role": role, "aud": flawAudience, "iss": flawIssuer, "exp": time.Now().Add(time.Hour).Unix()}
	switch {
	case a.flaws[flawNoExpiry]:
		delete(c, "exp")
	case a.flaws[flawLongToken]:
		c["iat"] = time.Now().Unix()
		c["exp"] = time.Now().Add(30 * 24 * time.Hour).Unix()
	}
	if a.flaws[flawTokenClaim] {
		c["password"] = "hunter2"
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(a.secret)
	if err != nil {
		panic(err)
	}
	return s
}

func (a *flawAPI) identities() []Identity {
	var out []Identity
	for _, u := range [][2]string{{"alice", "1"}, {"bob", "2"}} {
		id, err := ParseIdentity(u[0] + "=" + a.token(u[1], u[0], "user"))
		if err != nil {
			panic(err)
		}
		out = append(out, id)
	}
	return out
}

// claims verifies the request's token, or returns nil.
func (a *flawAPI) claims(r *http.Request) jwt.MapClaims {
	var tok string
	switch kind, name, _ := strings.Cut(a.tokenIn, ":"); kind {
	case "":
		tok, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	case "raw":
		tok = r.Header.Get("Authorization")
		if strings.Contains(tok, " ") {
			tok = ""
		}
	case "cookie":
		if c, err := r.Cookie(name); err == nil {
			tok = c.Value
		}
	case "header":
		tok = r.Header.Get(name)
	}
	if tok == "" && a.flaws[flawQueryToken] {
		tok = r.URL.Query().Get("access_token")
	}
	if tok == "" {
		return nil
	}
	c := jwt.MapClaims{}
	if a.flaws[flawUnverified] {
		if _, _, err := jwt.NewParser().ParseUnverified(tok, c); err != nil {
			return nil
		}
		return c
	}
	methods := []string{"HS256"}
	if a.flaws[flawAlgNone] {
		methods = append(methods, "none")
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(methods), jwt.WithAudience(flawAudience), jwt.WithIssuer(flawIssuer)}
	if !a.flaws[flawNoExpiry] {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	_, err := jwt.ParseWithClaims(tok, c, func(t *jwt.Token) (any, error) {
		if t.Method == jwt.SigningMethodNone {
			return jwt.UnsafeAllowNoneSignatureType, nil
		}
		return a.secret, nil
	}, opts...)
	if err != nil {
		return nil
	}
	return c
}

func (a *flawAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if !a.flaws[flawNoHeaders] {
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
	}
	if a.flaws[flawCORSAny] {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	if a.flaws[flawFrameAllowAll] {
		h.Set("X-Frame-Options", "ALLOWALL")
	}
	if a.flaws[flawXSSFilter] {
		h.Set("X-XSS-Protection", "1; mode=block")
	} else {
		h.Set("X-XSS-Protection", "0")
	}
	if a.flaws[flawServerVersion] {
		h.Set("Server", "nginx/1.25.3")
	} else {
		h.Set("Server", "nginx")
	}
	origin := r.Header.Get("Origin")
	switch {
	case origin == "":
	case a.flaws[flawCORSReflect] || origin == appOrigin || (origin == "null" && a.flaws[flawCORSNull]):
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	case a.flaws[flawCORSWildcard]:
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		if a.flaws[flawCORSAnyMethod] {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
		} else if origin == appOrigin {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT")
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if a.flaws[modeCaseInsensitive] {
		r.URL.Path = strings.ToLower(r.URL.Path)
	}
	a.mux.ServeHTTP(w, r)
}

// refuse answers a problem, or what the flaws make of it.
func (a *flawAPI) refuse(w http.ResponseWriter, status int, r *http.Request) {
	if status == http.StatusNotFound && a.flaws[flawBanner] {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<pre>Cannot %s %s</pre>", r.Method, r.URL.Path)
		return
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"title":%q,"status":%d}`, http.StatusText(status), status)
}

func (a *flawAPI) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *flawAPI) public(f flaw, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.flaws[f] {
			a.refuse(w, http.StatusNotFound, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, body)
	}
}

func (a *flawAPI) index(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if a.flaws[flawXSS] {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<h1>Notes</h1><p>Results for %s</p>", q)
		return
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"links": []string{"/api/users/me", "/api/admin/stats"}, "q": q})
}

func (a *flawAPI) me(w http.ResponseWriter, r *http.Request) {
	c := a.claims(r)
	if c == nil {
		a.refuse(w, http.StatusUnauthorized, r)
		return
	}
	u := map[string]any{"id": c["sub"], "username": c["username"], "role": c["role"]}
	if a.flaws[flawPasswordHash] {
		u["password_hash"] = "$2a$10$abcdefghijabcdefghijab"
	}
	a.writeJSON(w, http.StatusOK, u)
}

func (a *flawAPI) note(w http.ResponseWriter, r *http.Request) {
	c := a.claims(r)
	if c == nil && !a.flaws[flawAnonymousNotes] {
		a.refuse(w, http.StatusUnauthorized, r)
		return
	}
	id := r.PathValue("id")
	if strings.Contains(id, "'") && a.flaws[flawSQLQuote] {
		a.writeJSON(w, http.StatusInternalServerError, map[string]any{"error": `SQLITE_ERROR: unrecognized token: "'` + id + `"`})
		return
	}
	if a.flaws[flawSQLBoolean] {
		// SELECT … WHERE id = '<id>', concatenated: a condition after a
		// quote is evaluated.
		if base, cond, ok := strings.Cut(id, "' AND "); ok {
			if cond != "'1'='1" {
				a.refuse(w, http.StatusNotFound, r)
				return
			}
			id = base
		}
	}
	if id != "1" && id != "2" {
		a.refuse(w, http.StatusNotFound, r)
		return
	}
	anyone := a.flaws[flawBOLARead]
	if r.Method == http.MethodPut {
		anyone = a.flaws[flawBOLAWrite]
	}
	if c != nil && c["sub"] != id && !anyone {
		a.refuse(w, http.StatusNotFound, r)
		return
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"id": id, "owner_id": id, "text": "a note"})
}

func (a *flawAPI) stats(w http.ResponseWriter, r *http.Request) {
	c := a.claims(r)
	switch {
	case c == nil && !a.flaws[modePublicStats]:
		a.refuse(w, http.StatusUnauthorized, r)
	case a.flaws[modePublicStats]:
		a.writeJSON(w, http.StatusOK, map[string]any{"users": 2})
	case c["role"] != "admin" && !a.flaws[flawBFLA]:
		a.refuse(w, http.StatusForbidden, r)
	default:
		a.writeJSON(w, http.StatusOK, map[string]any{"users": 2})
	}
}

// decode reads a JSON object within the limits the flaws leave.
func (a *flawAPI) decode(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if !a.flaws[flawBigBody] {
		if r.ContentLength > 1<<20 {
			a.refuse(w, http.StatusRequestEntityTooLarge, r)
			return nil, false
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		a.refuse(w, http.StatusRequestEntityTooLarge, r)
		return nil, false
	}
	if !a.flaws[flawDeepJSON] && jsonDepth(b) > 32 {
		a.refuse(w, http.StatusBadRequest, r)
		return nil, false
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		switch {
		case a.flaws[flawStackTrace]:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "<pre>SyntaxError: %s\n    at JSON.parse (<anonymous>)\n    at parse (/app/node_modules/body-parser/lib/types/json.js:89:19)</pre>", err)
		case a.flaws[flawServerError]:
			a.writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "Internal Server Error"})
		default:
			a.refuse(w, http.StatusBadRequest, r)
		}
		return nil, false
	}
	return body, true
}

func (a *flawAPI) login(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	locked := a.fails >= 5 && !a.flaws[flawNoLoginLimit]
	a.mu.Unlock()
	if locked {
		w.Header().Set("Retry-After", "60")
		a.refuse(w, http.StatusTooManyRequests, r)
		return
	}
	body, ok := a.decode(w, r)
	if !ok {
		return
	}
	if _, isOp := body["username"].(map[string]any); isOp && a.flaws[flawNoSQL] {
		a.writeJSON(w, http.StatusOK, map[string]any{"token": a.token("1", "alice", "user")})
		return
	}
	if body["username"] == "alice" && body["password"] == "correct horse battery staple" {
		a.writeJSON(w, http.StatusOK, map[string]any{"token": a.token("1", "alice", "user")})
		return
	}
	a.mu.Lock()
	a.fails++
	a.mu.Unlock()
	a.refuse(w, http.StatusUnauthorized, r)
}

func (a *flawAPI) signup(w http.ResponseWriter, r *http.Request) {
	body, ok := a.decode(w, r)
	if !ok {
		return
	}
	role := "user"
	if s, ok := body["role"].(string); ok && a.flaws[flawMassAssign] {
		role = s
	}
	a.writeJSON(w, http.StatusCreated, map[string]any{"id": "3", "username": body["username"], "role": role})
}

// flawDoc describes flawAPI's operations, without the legacy alias.
const flawDoc = `openapi: 3.0.3
info: {title: notes, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /api:
    get:
      security: []
      responses: {"200": {description: ok}}
  /api/users/me:
    get:
      responses: {"200": {description: ok}}
  /api/notes/{id}:
    parameters: [{name: id, in: path, required: true, example: "1", schema: {type: string}}]
    get:
      responses: {"200": {description: ok}}
    put:
      responses: {"200": {description: ok}}
  /api/admin/stats:
    get:
      x-rampart-roles: [admin]
      responses: {"200": {description: ok}}
  /api/login:
    post:
      operationId: login
      security: []
      responses: {"200": {description: ok}}
  /api/signup:
    post:
      operationId: signup
      security: []
      responses: {"201": {description: ok}}
`

// testRSAKey is generated once: RSA key generation is slow under -race.
var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// rsaVerifier is how an RS256 API checks tokens against its JWKS.
type rsaVerifier int

const (
	// pinnedRS256 verifies with keyfunc and allows RS256 only.
	pinnedRS256 rsaVerifier = iota
	// confusedPKIX hands its public key PEM ("PUBLIC KEY") to whatever
	// algorithm the token names, as jsonwebtoken before v9 did.
	confusedPKIX
	// confusedPKCS1 does the same with an "RSA PUBLIC KEY" PEM.
	confusedPKCS1
)

// rsaAPI serves GET /api/users/me to RS256 tokens and publishes its key at
// /.well-known/jwks.json (unless hideJWKS).
type rsaAPI struct {
	verifier rsaVerifier
	hideJWKS bool
	// pemAt, when set, serves the verifier's public key PEM at this path.
	pemAt string
}

func (a rsaAPI) start(t *testing.T) (url string, id Identity) {
	t.Helper()
	key := testRSAKey()
	jwk, err := jwkset.NewJWKFromKey(&key.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "k1", ALG: jwkset.AlgRS256, USE: jwkset.UseSig}})
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := json.Marshal(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}})
	if err != nil {
		t.Fatal(err)
	}
	kf, err := keyfunc.NewJWKSetJSON(jwks)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if a.verifier == confusedPKCS1 {
		pemKey = pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
	}
	parse := func(tok string) error {
		if a.verifier == pinnedRS256 {
			_, err := jwt.Parse(tok, kf.Keyfunc, jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired())
			return err
		}
		_, err := jwt.Parse(tok, func(t *jwt.Token) (any, error) {
			if strings.HasPrefix(t.Method.Alg(), "HS") {
				return pemKey, nil
			}
			return &key.PublicKey, nil
		}, jwt.WithValidMethods([]string{"RS256", "HS256"}), jwt.WithExpirationRequired())
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		if a.hideJWKS {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(jwks)
	})
	if a.pemAt != "" {
		mux.HandleFunc("GET "+a.pemAt, func(w http.ResponseWriter, r *http.Request) { w.Write(pemKey) })
	}
	mux.HandleFunc("GET /api/users/me", func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok == "" || parse(tok) != nil {
			http.Error(w, `{"title":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"1","username":"alice"}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tk := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "1", "username": "alice", "exp": time.Now().Add(time.Hour).Unix()})
	tk.Header["kid"] = "k1"
	s, err := tk.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	if id, err = ParseIdentity("alice=" + s); err != nil {
		t.Fatal(err)
	}
	return srv.URL, id
}

// testSigningKeyPEM is the --signing-key file of the trusted-key tests: a
// P-256 key in PKCS#8.
var testSigningKeyPEM = sync.OnceValue(func() []byte {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
})

// trustedKeyAPI serves GET /api/users/me to ES256 tokens verified with
// keyfunc against its JWKS (published at /.well-known/jwks.json): the
// identity provider's key, kid "idp", and the test signing key, kid
// "ci", as a staging API trusts its CI's key. It checks exp, aud and iss
// except those named in ignore.
type trustedKeyAPI struct {
	ignore []string
	// untrusted leaves the test key out of the JWKS.
	untrusted bool
	// fromIdP signs the identity's token with the identity provider's
	// key instead of the test key.
	fromIdP bool
}

func (a trustedKeyAPI) start(t *testing.T) (url string, id Identity, key *ecdsa.PrivateKey) {
	t.Helper()
	signer, err := ParseSigningKey(testSigningKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	key = signer.(*ecdsa.PrivateKey)
	idp, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var set jwkset.JWKSMarshal
	for kid, k := range map[string]*ecdsa.PrivateKey{"idp": idp, "ci": key} {
		if kid == "ci" && a.untrusted {
			continue
		}
		jwk, err := jwkset.NewJWKFromKey(&k.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, ALG: jwkset.AlgES256, USE: jwkset.UseSig}})
		if err != nil {
			t.Fatal(err)
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	jwks, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	kf, err := keyfunc.NewJWKSetJSON(jwks)
	if err != nil {
		t.Fatal(err)
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"ES256"})}
	if slices.Contains(a.ignore, "exp") {
		// A verifier that skips the time claims still checks aud and iss
		// below.
		opts = append(opts, jwt.WithoutClaimsValidation())
	} else {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(jwks)
	})
	mux.HandleFunc("GET /api/users/me", func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		c := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(tok, c, kf.Keyfunc, opts...)
		aud, _ := c.GetAudience()
		iss, _ := c.GetIssuer()
		if err != nil || (!slices.Contains(a.ignore, "aud") && !slices.Contains(aud, flawAudience)) || (!slices.Contains(a.ignore, "iss") && iss != flawIssuer) {
			http.Error(w, `{"title":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"1","username":"alice"}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tk := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"sub": "1", "username": "alice", "aud": flawAudience, "iss": flawIssuer,
		"exp": time.Now().Add(time.Hour).Unix()})
	signWith := key
	tk.Header["kid"] = "ci"
	if a.fromIdP || a.untrusted {
		signWith = idp
		tk.Header["kid"] = "idp"
	}
	s, err := tk.SignedString(signWith)
	if err != nil {
		t.Fatal(err)
	}
	if id, err = ParseIdentity("alice=" + s); err != nil {
		t.Fatal(err)
	}
	return srv.URL, id, key
}
