package scan

import "github.com/rampart-api/rampart/audit"

// Rule describes one check: what it finds, where it sits in the OWASP API
// Top 10 (2023), how bad it is by default and which Rampart setting fixes it.
type Rule struct {
	ID string `json:"id"`
	// Family groups rules: headers, cors, errors, exposure, authentication,
	// bola, bfla, mass-assignment, rate-limits, injection, limits.
	Family   string   `json:"family"`
	Title    string   `json:"title"`
	OWASP    string   `json:"owasp"`
	Severity Severity `json:"severity"`
	// Remedy is the Rampart setting that fixes it at the gateway.
	Remedy string `json:"remedy"`
	// CWE is the Common Weakness Enumeration id.
	CWE int `json:"cwe"`
	// Fix is the change to make in the application itself.
	Fix string `json:"fix"`
}

// HelpURI is the OWASP page for the rule's category.
func (r Rule) HelpURI() string {
	if u, ok := owaspURIs[r.OWASP]; ok {
		return u
	}
	return "https://owasp.org/API-Security/editions/2023/en/0x11-t10/"
}

var owaspURIs = map[string]string{
	audit.OWASPBOLA:          "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
	audit.OWASPAuth:          "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
	audit.OWASPPropertyAuthz: "https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
	audit.OWASPResource:      "https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
	audit.OWASPFunctionAuthz: "https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/",
	audit.OWASPMisconfig:     "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
	audit.OWASPInventory:     "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
}

// Check ids.
const (
	CheckHeadersMissing       = "headers.missing"
	CheckHeadersWeak          = "headers.weak"
	CheckHeadersDisclosure    = "headers.disclosure"
	CheckCORSReflect          = "cors.reflected-origin"
	CheckCORSNull             = "cors.null-origin"
	CheckCORSWildcardCreds    = "cors.wildcard-credentials"
	CheckCORSAnyMethod        = "cors.any-method"
	CheckCORSWildcard         = "cors.wildcard-origin"
	CheckErrorsStack          = "errors.stack-trace"
	CheckErrorsSQL            = "errors.sql"
	CheckErrorsBanner         = "errors.banner"
	CheckErrors5xx            = "errors.server-error"
	CheckExposureField        = "exposure.sensitive-field"
	CheckExposureToken        = "exposure.token-payload"
	CheckExposurePath         = "exposure.path"
	CheckExposureListing      = "exposure.directory-listing"
	CheckExposureDocs         = "exposure.api-docs"
	CheckExposureUndocumented = "exposure.undocumented-operation"
	CheckAuthMissing          = "auth.missing"
	CheckAuthAlgNone          = "auth.alg-none"
	CheckAuthSignature        = "auth.signature-not-verified"
	CheckAuthKeyConfusion     = "auth.key-confusion"
	CheckAuthExpired          = "auth.expired-accepted"
	CheckAuthAudience         = "auth.wrong-audience"
	CheckAuthIssuer           = "auth.wrong-issuer"
	CheckAuthWeakSecret       = "auth.weak-secret"
	CheckAuthQueryToken       = "auth.token-in-query"
	CheckAuthNoExpiry         = "auth.no-expiry"
	CheckAuthLongLived        = "auth.long-lifetime"
	CheckBOLARead             = "bola.read"
	CheckBOLAWrite            = "bola.write"
	CheckBFLA                 = "bfla.admin-operation"
	CheckMassAssignment       = "mass-assignment.privileged-field"
	CheckRateLimitLogin       = "rate-limits.login"
	CheckInjectionSQL         = "injection.sql"
	CheckInjectionNoSQL       = "injection.nosql"
	CheckInjectionXSS         = "injection.reflected-script"
	CheckLimitsBody           = "limits.body-size"
	CheckLimitsDepth          = "limits.json-depth"
)

// Checks is the catalogue of every rule the scanner knows, in report order.
var Checks = []Rule{
	{CheckHeadersMissing, "headers", "Security headers missing", audit.OWASPMisconfig, Low,
		"Put Rampart in front with `headers.profile: helmet` (the default) or `api`: it sets the helmet header set on every answer, and `headers.set` overrides one header.", 0, ""},
	{CheckHeadersWeak, "headers", "Security header weakly configured", audit.OWASPMisconfig, Low,
		"Let Rampart own the security headers: `headers.profile` replaces the upstream's copies (X-XSS-Protection: 0, HSTS of 180 days); adjust one with `headers.set`.", 0, ""},
	{CheckHeadersDisclosure, "headers", "Server software disclosed", audit.OWASPMisconfig, Low,
		"Put Rampart in front: it always removes Server, X-Powered-By and similar banners from upstream answers.", 0, ""},
	{CheckCORSReflect, "cors", "CORS reflects any origin", audit.OWASPMisconfig, High,
		"List the trusted origins in `cors.allowed_origins`; Rampart answers CORS itself, drops the upstream's Access-Control-* headers and refuses `*` with `cors.allow_credentials`.", 0, ""},
	{CheckCORSNull, "cors", "CORS allows the null origin", audit.OWASPMisconfig, Medium,
		"Keep `null` out of `cors.allowed_origins` (Rampart's config refuses it); sandboxed iframes and file: pages send it.", 0, ""},
	{CheckCORSWildcardCreds, "cors", "CORS wildcard with credentials", audit.OWASPMisconfig, Medium,
		"List explicit origins in `cors.allowed_origins` when `cors.allow_credentials` is true; Rampart's config refuses `*` with credentials.", 0, ""},
	{CheckCORSAnyMethod, "cors", "CORS preflight allows any method", audit.OWASPMisconfig, Low,
		"Set `cors.allowed_methods` to the methods the API serves; Rampart answers preflights itself and never forwards them.", 0, ""},
	{CheckCORSWildcard, "cors", "CORS allows any origin", audit.OWASPMisconfig, Low,
		"List the trusted origins in `cors.allowed_origins`; Rampart answers CORS itself and drops the upstream's Access-Control-* headers.", 0, ""},
	{CheckErrorsStack, "errors", "Stack trace in response", audit.OWASPMisconfig, Medium,
		"Put Rampart in front: upstream 5xx bodies are replaced by a generic problem+json by default (only `upstreams.<name>.dangerously_keep_error_bodies` keeps them), and `upstreams.<name>.openapi` with `validation: {requests: enforce}` refuses malformed input before it reaches the application.", 0, ""},
	{CheckErrorsSQL, "errors", "Database error in response", audit.OWASPMisconfig, Medium,
		"Validate input before it reaches the database: `upstreams.<name>.openapi` with `validation: {requests: enforce}`; Rampart scrubs upstream 5xx bodies by default (`upstreams.<name>.dangerously_keep_error_bodies` must stay off).", 0, ""},
	{CheckErrorsBanner, "errors", "Framework banner in error page", audit.OWASPMisconfig, Low,
		"Put Rampart in front: it renders every refusal as application/problem+json, answers 404 for paths outside `routes[]` and scrubs upstream 5xx pages by default.", 0, ""},
	{CheckErrors5xx, "errors", "Server error on malformed input", audit.OWASPMisconfig, Low,
		"Refuse malformed requests at the gateway: `upstreams.<name>.openapi` with `validation: {requests: enforce}` answers bad JSON and wrong types with 400, and `routes[].methods` answers other methods with 405.", 0, ""},
	{CheckExposureField, "exposure", "Sensitive field in response", audit.OWASPPropertyAuthz, High,
		"Filter responses against the document: `upstreams.<name>.openapi` with `validation: {responses: filter}` removes properties the schema does not declare (password_hash).", 0, ""},
	{CheckExposureToken, "exposure", "Sensitive claim in token payload", audit.OWASPPropertyAuthz, Medium,
		"Token payloads are readable by anyone holding the token: keep secrets out of claims at the issuer; Rampart cannot change a token it only verifies.", 0, ""},
	{CheckExposurePath, "exposure", "Internal endpoint is public", audit.OWASPInventory, High,
		"Forward only what `routes[]` lists: Rampart answers 404 for every other path, so internal endpoints stay on their own listener.", 0, ""},
	{CheckExposureListing, "exposure", "Directory listing enabled", audit.OWASPMisconfig, Medium,
		"Forward only what `routes[]` lists: Rampart answers 404 for every other path.", 0, ""},
	{CheckExposureDocs, "exposure", "API documentation is public", audit.OWASPInventory, Info,
		"If the documentation is not meant to be public, leave its path out of `routes[]` or set `routes[].auth` on it.", 0, ""},
	{CheckExposureUndocumented, "exposure", "Operation missing from the API description", audit.OWASPInventory, Medium,
		"Describe the API in `upstreams.<name>.openapi` and set `validation: {inventory: enforce}`: Rampart answers 404 for operations the document does not describe; list only served paths in `routes[]`.", 0, ""},
	{CheckAuthMissing, "authentication", "Secured operation answers without credentials", audit.OWASPAuth, High,
		"Require authentication on the route: `routes[].auth: jwt` (or `apikey`, `introspection`); Rampart fails closed when no authenticator accepts the request.", 0, ""},
	{CheckAuthAlgNone, "authentication", "Unsigned token (alg none) accepted", audit.OWASPAuth, Critical,
		"Verify tokens at the gateway: `routes[].auth: jwt` with `auth.jwt.issuers[].algorithms` as the allowlist; `none` is never accepted.", 0, ""},
	{CheckAuthSignature, "authentication", "Token signature not verified", audit.OWASPAuth, Critical,
		"Verify every token's signature at the gateway: `routes[].auth: jwt` with one key source per issuer (`auth.jwt.issuers[].jwks_url`, `jwks_file`, `public_key_file`, `secret` or `discovery`).", 0, ""},
	{CheckAuthKeyConfusion, "authentication", "RS256 to HS256 key confusion", audit.OWASPAuth, Critical,
		"Pin `auth.jwt.issuers[].algorithms` (e.g. [RS256]); Rampart's key type must match the algorithm, so an RSA public key never verifies an HMAC token.", 0, ""},
	{CheckAuthExpired, "authentication", "Expired token accepted", audit.OWASPAuth, High,
		"Verify tokens at the gateway (`routes[].auth: jwt`): Rampart enforces exp and nbf with `auth.jwt.issuers[].leeway` (default 0, at most 5m).", 0, ""},
	{CheckAuthAudience, "authentication", "Token for another audience accepted", audit.OWASPAuth, High,
		"Set `auth.jwt.issuers[].audience` to this API's audience (and leave `dangerously_accept_any_audience` off).", 0, ""},
	{CheckAuthIssuer, "authentication", "Token from another issuer accepted", audit.OWASPAuth, High,
		"List only trusted issuers in `auth.jwt.issuers[].issuer`; Rampart picks the key by exact `iss` and refuses every other.", 0, ""},
	{CheckAuthWeakSecret, "authentication", "Token signed with a guessable secret", audit.OWASPAuth, Critical,
		"Sign with an asymmetric key (`auth.jwt.issuers[].jwks_url`) or a random secret of at least 32 bytes: `auth.jwt.issuers[].secret` refuses shorter ones. Rotate the cracked secret now.", 0, ""},
	{CheckAuthQueryToken, "authentication", "Token accepted in the query string", audit.OWASPAuth, Medium,
		"Verify tokens at the gateway (`routes[].auth: jwt`): Rampart reads them only from the Authorization header or `auth.jwt.cookie`, never from the query string.", 0, ""},
	{CheckAuthNoExpiry, "authentication", "Token never expires", audit.OWASPAuth, High,
		"Verify tokens at the gateway (`routes[].auth: jwt`): Rampart refuses tokens without exp.", 0, ""},
	{CheckAuthLongLived, "authentication", "Token lives longer than a day", audit.OWASPAuth, Medium,
		"Issue short-lived access tokens at the issuer; Rampart verifies exp with `auth.jwt.issuers[].leeway` but cannot shorten a token it only verifies.", 0, ""},
	{CheckBOLARead, "bola", "Another identity's object is readable", audit.OWASPBOLA, High,
		"Add an owner rule on the route: `routes[].owner: {param: id, claim: sub, except_roles: [admin]}`; the path parameter must equal the caller's claim.", 0, ""},
	{CheckBOLAWrite, "bola", "Another identity's object is writable", audit.OWASPBOLA, Critical,
		"Add an owner rule on the route: `routes[].owner: {param: id, claim: sub, except_roles: [admin]}`; the path parameter must equal the caller's claim.", 0, ""},
	{CheckBFLA, "bfla", "Admin operation reachable without the admin role", audit.OWASPFunctionAuthz, High,
		"Require the role on the route: `routes[].roles: [admin]` (roles read from `auth.jwt.issuers[].roles_claim`).", 0, ""},
	{CheckMassAssignment, "mass-assignment", "Privileged field accepted in a write", audit.OWASPPropertyAuthz, High,
		"Validate request bodies against the document: `upstreams.<name>.openapi` with `validation: {requests: enforce, reject_unknown_properties: true}`, and mark privileged properties readOnly.", 0, ""},
	{CheckRateLimitLogin, "rate-limits", "No rate limit on authentication", audit.OWASPAuth, Medium,
		"Protect the login route: `routes[].brute_force: {username_field: username, max_failures: 5}` locks out repeated failures, `routes[].rate_limit: [{key: ip, limit: 10, window: 1m}]` (or `rate_limits.default`) caps the burst.", 0, ""},
	{CheckInjectionSQL, "injection", "SQL injection", audit.OWASPMisconfig, Critical,
		"Fix the query with parameters; meanwhile enable the WAF on the route (`routes[].waf: {enabled: true}`, OWASP CRS) and type-check parameters with `upstreams.<name>.openapi` and `validation: {requests: enforce}`.", 0, ""},
	{CheckInjectionNoSQL, "injection", "NoSQL operator injection", audit.OWASPMisconfig, Critical,
		"Validate bodies against the document (`upstreams.<name>.openapi` with `validation: {requests: enforce}`) so operators like {\"$ne\": null} are refused; enable `routes[].waf`.", 0, ""},
	{CheckInjectionXSS, "injection", "Script reflected in an HTML response", audit.OWASPMisconfig, Medium,
		"Serve JSON with the right Content-Type; Rampart's `headers.profile` sends CSP and nosniff, and `routes[].waf` blocks reflected scripts.", 0, ""},
	{CheckLimitsBody, "limits", "Oversized body read", audit.OWASPResource, Medium,
		"Set `server.max_body_bytes` (default 1 MiB): Rampart answers 413 before the upstream sees a byte.", 0, ""},
	{CheckLimitsDepth, "limits", "Deeply nested JSON accepted", audit.OWASPResource, Medium,
		"Set structural limits: `limits.max_depth` (with `max_array`, `max_string`, `max_properties`); Rampart refuses deeper JSON with 400 before the upstream parses it.", 0, ""},
}

var rulesByID = func() map[string]*Rule {
	m := make(map[string]*Rule, len(Checks))
	for i := range Checks {
		g := guidance[Checks[i].ID]
		Checks[i].CWE, Checks[i].Fix = g.cwe, g.fix
		m[Checks[i].ID] = &Checks[i]
	}
	return m
}()

// guidance is each check's CWE and the fix in the application's own code,
// for developers who cannot, or not only, put Rampart in front.
var guidance = map[string]struct {
	cwe int
	fix string
}{
	CheckHeadersMissing:       {693, "Set the headers in the application, e.g. `helmet()` in Express, `secure` middleware in Go, `django.middleware.security.SecurityMiddleware`."},
	CheckHeadersWeak:          {693, "Send `X-XSS-Protection: 0`, `X-Frame-Options: DENY` (or CSP `frame-ancestors 'none'`) and an HSTS `max-age` of at least 15552000."},
	CheckHeadersDisclosure:    {200, "Drop version banners: `app.disable('x-powered-by')` in Express, `server_tokens off` in nginx, `ServerTokens Prod` in Apache."},
	CheckCORSReflect:          {942, "Compare `Origin` against an allowlist before echoing it; never reflect it blindly, least of all with `Access-Control-Allow-Credentials: true`."},
	CheckCORSNull:             {942, "Remove `null` from the allowed origins; it is sent by sandboxed iframes and `file:` pages any attacker can create."},
	CheckCORSWildcardCreds:    {942, "Answer credentialed requests only for listed origins; `*` must never go with `Access-Control-Allow-Credentials: true`."},
	CheckCORSAnyMethod:        {942, "Answer preflights with the methods the route serves, not the requested one echoed back."},
	CheckCORSWildcard:         {942, "Send `Access-Control-Allow-Origin` only for the front-end origins that need it, e.g. `cors({origin: ['https://app.example.com']})`."},
	CheckErrorsStack:          {209, "Install a final error handler that logs the error and answers a generic body, and run with `NODE_ENV=production` / debug mode off."},
	CheckErrorsSQL:            {209, "Catch database errors in the data layer, log them, and answer a generic 4xx/5xx; never pass the driver's message to the client."},
	CheckErrorsBanner:         {200, "Replace the framework's default error pages with your own handler for 404 and 405."},
	CheckErrors5xx:            {755, "Validate input at the edge of the handler (JSON schema, typed binding) and answer 400 for malformed bodies and parameters."},
	CheckExposureField:        {213, "Serialise responses through an explicit allowlist of fields (a DTO or `toJSON`), never the database row."},
	CheckExposureToken:        {200, "Keep secrets and personal data out of token claims; put only ids and roles there."},
	CheckExposurePath:         {497, "Serve internal endpoints (metrics, debug, environment, backups) on a separate listener or behind authentication, and remove backups from the web root."},
	CheckExposureListing:      {548, "Turn directory indexes off (`serve-index`, `autoindex off`) and serve only named files."},
	CheckExposureDocs:         {1059, "Serve the API documentation only where it is meant to be public, or behind authentication."},
	CheckExposureUndocumented: {1059, "Remove retired routes and versions, or describe them in the OpenAPI document so they are reviewed and validated."},
	CheckAuthMissing:          {306, "Apply the authentication middleware to the route (or the router), not to individual handlers, and deny by default."},
	CheckAuthAlgNone:          {347, "Pass an explicit algorithm allowlist to the verifier, e.g. `jwt.verify(token, key, {algorithms: ['RS256']})`."},
	CheckAuthSignature:        {347, "Verify tokens with `jwt.verify` (or equivalent), never `jwt.decode`; fail closed on any verification error."},
	CheckAuthKeyConfusion:     {327, "Pin the algorithm to the key type (`algorithms: ['RS256']`) so a public key is never used as an HMAC secret."},
	CheckAuthExpired:          {613, "Let the verifier enforce `exp` (do not pass `ignoreExpiration`), with at most a small clock leeway."},
	CheckAuthAudience:         {287, "Pass the expected audience to the verifier (`audience: 'my-api'`) and refuse tokens minted for other services."},
	CheckAuthIssuer:           {287, "Pass the expected issuer to the verifier (`issuer: 'https://idp.example.com'`)."},
	CheckAuthWeakSecret:       {521, "Sign with a random secret of at least 32 bytes from a secret store (or an asymmetric key); rotate the guessed one now."},
	CheckAuthQueryToken:       {598, "Read tokens only from the Authorization header or a Secure, HttpOnly cookie, never from the query string."},
	CheckAuthNoExpiry:         {613, "Issue tokens with `exp` (e.g. `expiresIn: '15m'`) and make the verifier require it."},
	CheckAuthLongLived:        {613, "Issue access tokens for minutes, not days, and renew them with a refresh token that can be revoked."},
	CheckBOLARead:             {639, "Load objects by id AND owner (`WHERE id = ? AND owner_id = ?` with the caller's id from the verified token), or check ownership after loading."},
	CheckBOLAWrite:            {639, "Check that the caller owns the object before updating or deleting it, using the id from the verified token, never one from the request."},
	CheckBFLA:                 {285, "Check the caller's role in the handler (or a route-level middleware) for every administrative function, denying by default."},
	CheckMassAssignment:       {915, "Copy only the fields a caller may set from the request (an explicit allowlist or DTO); never pass the body to the ORM."},
	CheckRateLimitLogin:       {307, "Limit login attempts per account and per client (e.g. `express-rate-limit`), with a lockout or growing delay."},
	CheckInjectionSQL:         {89, "Use parameterised queries or the ORM's bound parameters for every value; never build SQL by string concatenation."},
	CheckInjectionNoSQL:       {943, "Validate types before querying (a string must be a string) and sanitise operators, e.g. `express-mongo-sanitize`."},
	CheckInjectionXSS:         {79, "Encode output for its context (templating with auto-escape) and answer API data as application/json, never text/html."},
	CheckLimitsBody:           {770, "Cap body size in the parser, e.g. `express.json({limit: '100kb'})` or `http.MaxBytesReader`."},
	CheckLimitsDepth:          {770, "Refuse deeply nested JSON before parsing it fully (a depth-limited parser or schema validation)."},
}

// RuleFor returns the rule with id, and whether it exists.
func RuleFor(id string) (Rule, bool) {
	r, ok := rulesByID[id]
	if !ok {
		return Rule{}, false
	}
	return *r, true
}

// Families lists the rule families in report order.
var Families = []string{"headers", "cors", "errors", "exposure", "authentication", "bola", "bfla", "mass-assignment", "rate-limits", "injection", "limits"}
