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
	Remedy   string   `json:"remedy"`
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
		"Put Rampart in front with `headers.profile: helmet` (the default) or `api`: it sets the helmet header set on every answer, and `headers.set` overrides one header."},
	{CheckHeadersWeak, "headers", "Security header weakly configured", audit.OWASPMisconfig, Low,
		"Let Rampart own the security headers: `headers.profile` replaces the upstream's copies (X-XSS-Protection: 0, HSTS of 180 days); adjust one with `headers.set`."},
	{CheckHeadersDisclosure, "headers", "Server software disclosed", audit.OWASPMisconfig, Low,
		"Put Rampart in front: it always removes Server, X-Powered-By and similar banners from upstream answers."},
	{CheckCORSReflect, "cors", "CORS reflects any origin", audit.OWASPMisconfig, High,
		"List the trusted origins in `cors.allowed_origins`; Rampart answers CORS itself, drops the upstream's Access-Control-* headers and refuses `*` with `cors.allow_credentials`."},
	{CheckCORSNull, "cors", "CORS allows the null origin", audit.OWASPMisconfig, Medium,
		"Keep `null` out of `cors.allowed_origins` (Rampart's config refuses it); sandboxed iframes and file: pages send it."},
	{CheckCORSWildcardCreds, "cors", "CORS wildcard with credentials", audit.OWASPMisconfig, Medium,
		"List explicit origins in `cors.allowed_origins` when `cors.allow_credentials` is true; Rampart's config refuses `*` with credentials."},
	{CheckCORSAnyMethod, "cors", "CORS preflight allows any method", audit.OWASPMisconfig, Low,
		"Set `cors.allowed_methods` to the methods the API serves; Rampart answers preflights itself and never forwards them."},
	{CheckErrorsStack, "errors", "Stack trace in response", audit.OWASPMisconfig, Medium,
		"Put Rampart in front: upstream 5xx bodies are replaced by a generic problem+json by default (only `upstreams.<name>.dangerously_keep_error_bodies` keeps them), and `upstreams.<name>.openapi` with `validation: {requests: enforce}` refuses malformed input before it reaches the application."},
	{CheckErrorsSQL, "errors", "Database error in response", audit.OWASPMisconfig, Medium,
		"Validate input before it reaches the database: `upstreams.<name>.openapi` with `validation: {requests: enforce}`; Rampart scrubs upstream 5xx bodies by default (`upstreams.<name>.dangerously_keep_error_bodies` must stay off)."},
	{CheckErrorsBanner, "errors", "Framework banner in error page", audit.OWASPMisconfig, Low,
		"Put Rampart in front: it renders every refusal as application/problem+json, answers 404 for paths outside `routes[]` and scrubs upstream 5xx pages by default."},
	{CheckErrors5xx, "errors", "Server error on malformed input", audit.OWASPMisconfig, Low,
		"Refuse malformed requests at the gateway: `upstreams.<name>.openapi` with `validation: {requests: enforce}` answers bad JSON and wrong types with 400, and `routes[].methods` answers other methods with 405."},
	{CheckExposureField, "exposure", "Sensitive field in response", audit.OWASPPropertyAuthz, High,
		"Filter responses against the document: `upstreams.<name>.openapi` with `validation: {responses: filter}` removes properties the schema does not declare (password_hash)."},
	{CheckExposureToken, "exposure", "Sensitive claim in token payload", audit.OWASPPropertyAuthz, Medium,
		"Token payloads are readable by anyone holding the token: keep secrets out of claims at the issuer; Rampart cannot change a token it only verifies."},
	{CheckExposurePath, "exposure", "Internal endpoint is public", audit.OWASPInventory, High,
		"Forward only what `routes[]` lists: Rampart answers 404 for every other path, so internal endpoints stay on their own listener."},
	{CheckExposureListing, "exposure", "Directory listing enabled", audit.OWASPMisconfig, Medium,
		"Forward only what `routes[]` lists: Rampart answers 404 for every other path."},
	{CheckExposureDocs, "exposure", "API documentation is public", audit.OWASPInventory, Info,
		"If the documentation is not meant to be public, leave its path out of `routes[]` or set `routes[].auth` on it."},
	{CheckExposureUndocumented, "exposure", "Operation missing from the API description", audit.OWASPInventory, Medium,
		"Describe the API in `upstreams.<name>.openapi` and set `validation: {inventory: enforce}`: Rampart answers 404 for operations the document does not describe; list only served paths in `routes[]`."},
	{CheckAuthMissing, "authentication", "Secured operation answers without credentials", audit.OWASPAuth, High,
		"Require authentication on the route: `routes[].auth: jwt` (or `apikey`, `introspection`); Rampart fails closed when no authenticator accepts the request."},
	{CheckAuthAlgNone, "authentication", "Unsigned token (alg none) accepted", audit.OWASPAuth, Critical,
		"Verify tokens at the gateway: `routes[].auth: jwt` with `auth.jwt.issuers[].algorithms` as the allowlist; `none` is never accepted."},
	{CheckAuthSignature, "authentication", "Token signature not verified", audit.OWASPAuth, Critical,
		"Verify every token's signature at the gateway: `routes[].auth: jwt` with one key source per issuer (`auth.jwt.issuers[].jwks_url`, `jwks_file`, `public_key_file`, `secret` or `discovery`)."},
	{CheckAuthKeyConfusion, "authentication", "RS256 to HS256 key confusion", audit.OWASPAuth, Critical,
		"Pin `auth.jwt.issuers[].algorithms` (e.g. [RS256]); Rampart's key type must match the algorithm, so an RSA public key never verifies an HMAC token."},
	{CheckAuthExpired, "authentication", "Expired token accepted", audit.OWASPAuth, High,
		"Verify tokens at the gateway (`routes[].auth: jwt`): Rampart enforces exp and nbf with `auth.jwt.issuers[].leeway` (default 0, at most 5m)."},
	{CheckAuthAudience, "authentication", "Token for another audience accepted", audit.OWASPAuth, High,
		"Set `auth.jwt.issuers[].audience` to this API's audience (and leave `dangerously_accept_any_audience` off)."},
	{CheckAuthIssuer, "authentication", "Token from another issuer accepted", audit.OWASPAuth, High,
		"List only trusted issuers in `auth.jwt.issuers[].issuer`; Rampart picks the key by exact `iss` and refuses every other."},
	{CheckAuthWeakSecret, "authentication", "Token signed with a guessable secret", audit.OWASPAuth, Critical,
		"Sign with an asymmetric key (`auth.jwt.issuers[].jwks_url`) or a random secret of at least 32 bytes: `auth.jwt.issuers[].secret` refuses shorter ones. Rotate the cracked secret now."},
	{CheckAuthQueryToken, "authentication", "Token accepted in the query string", audit.OWASPAuth, Medium,
		"Verify tokens at the gateway (`routes[].auth: jwt`): Rampart reads them only from the Authorization header or `auth.jwt.cookie`, never from the query string."},
	{CheckBOLARead, "bola", "Another identity's object is readable", audit.OWASPBOLA, High,
		"Add an owner rule on the route: `routes[].owner: {param: id, claim: sub, except_roles: [admin]}`; the path parameter must equal the caller's claim."},
	{CheckBOLAWrite, "bola", "Another identity's object is writable", audit.OWASPBOLA, Critical,
		"Add an owner rule on the route: `routes[].owner: {param: id, claim: sub, except_roles: [admin]}`; the path parameter must equal the caller's claim."},
	{CheckBFLA, "bfla", "Admin operation reachable without the admin role", audit.OWASPFunctionAuthz, High,
		"Require the role on the route: `routes[].roles: [admin]` (roles read from `auth.jwt.issuers[].roles_claim`)."},
	{CheckMassAssignment, "mass-assignment", "Privileged field accepted in a write", audit.OWASPPropertyAuthz, High,
		"Validate request bodies against the document: `upstreams.<name>.openapi` with `validation: {requests: enforce, reject_unknown_properties: true}`, and mark privileged properties readOnly."},
	{CheckRateLimitLogin, "rate-limits", "No rate limit on authentication", audit.OWASPAuth, Medium,
		"Protect the login route: `routes[].brute_force: {username_field: username, max_failures: 5}` locks out repeated failures, `routes[].rate_limit: [{key: ip, limit: 10, window: 1m}]` (or `rate_limits.default`) caps the burst."},
	{CheckInjectionSQL, "injection", "SQL injection", audit.OWASPMisconfig, Critical,
		"Fix the query with parameters; meanwhile enable the WAF on the route (`routes[].waf: {enabled: true}`, OWASP CRS) and type-check parameters with `upstreams.<name>.openapi` and `validation: {requests: enforce}`."},
	{CheckInjectionNoSQL, "injection", "NoSQL operator injection", audit.OWASPMisconfig, Critical,
		"Validate bodies against the document (`upstreams.<name>.openapi` with `validation: {requests: enforce}`) so operators like {\"$ne\": null} are refused; enable `routes[].waf`."},
	{CheckInjectionXSS, "injection", "Script reflected in an HTML response", audit.OWASPMisconfig, Medium,
		"Serve JSON with the right Content-Type; Rampart's `headers.profile` sends CSP and nosniff, and `routes[].waf` blocks reflected scripts."},
	{CheckLimitsBody, "limits", "Oversized body read", audit.OWASPResource, Medium,
		"Set `server.max_body_bytes` (default 1 MiB): Rampart answers 413 before the upstream sees a byte."},
	{CheckLimitsDepth, "limits", "Deeply nested JSON accepted", audit.OWASPResource, Medium,
		"Set structural limits: `limits.max_depth` (with `max_array`, `max_string`, `max_properties`); Rampart refuses deeper JSON with 400 before the upstream parses it."},
}

var rulesByID = func() map[string]*Rule {
	m := make(map[string]*Rule, len(Checks))
	for i := range Checks {
		m[Checks[i].ID] = &Checks[i]
	}
	return m
}()

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
