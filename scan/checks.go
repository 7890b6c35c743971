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
	CheckHeadersMissing    = "headers.missing"
	CheckHeadersWeak       = "headers.weak"
	CheckHeadersDisclosure = "headers.disclosure"
	CheckCORSReflect       = "cors.reflected-origin"
	CheckCORSNull          = "cors.null-origin"
	CheckCORSWildcardCreds = "cors.wildcard-credentials"
	CheckCORSAnyMethod     = "cors.any-method"
	CheckErrorsStack       = "errors.stack-trace"
	CheckErrorsSQL         = "errors.sql"
	CheckErrorsBanner      = "errors.banner"
	CheckErrors5xx         = "errors.server-error"
	CheckExposureField     = "exposure.sensitive-field"
	CheckExposureToken     = "exposure.token-payload"
	CheckExposurePath      = "exposure.path"
	CheckExposureListing   = "exposure.directory-listing"
	CheckExposureDocs      = "exposure.api-docs"
	CheckAuthMissing       = "auth.missing"
	CheckAuthAlgNone       = "auth.alg-none"
	CheckAuthSignature     = "auth.signature-not-verified"
	CheckAuthKeyConfusion  = "auth.key-confusion"
	CheckAuthExpired       = "auth.expired-accepted"
	CheckAuthAudience      = "auth.wrong-audience"
	CheckAuthIssuer        = "auth.wrong-issuer"
	CheckAuthWeakSecret    = "auth.weak-secret"
	CheckAuthQueryToken    = "auth.token-in-query"
	CheckBOLARead          = "bola.read"
	CheckBOLAWrite         = "bola.write"
	CheckBFLA              = "bfla.admin-operation"
	CheckMassAssignment    = "mass-assignment.privileged-field"
	CheckRateLimitLogin    = "rate-limits.login"
	CheckInjectionSQL      = "injection.sql"
	CheckInjectionNoSQL    = "injection.nosql"
	CheckInjectionXSS      = "injection.reflected-script"
	CheckLimitsBody        = "limits.body-size"
	CheckLimitsDepth       = "limits.json-depth"
)

// Checks is the catalogue of every rule the scanner knows, in report order.
var Checks = []Rule{
	{CheckHeadersMissing, "headers", "Security headers missing", audit.OWASPMisconfig, Low,
		"Enable the security headers in front of the API: `headers: {preset: strict}` (package secureheaders) sets the helmet set, with HSTS on HTTPS."},
	{CheckHeadersWeak, "headers", "Security header weakly configured", audit.OWASPMisconfig, Low,
		"Let Rampart own the header (`headers:` in the config) rather than the application: HSTS max-age of at least 180 days, X-XSS-Protection: 0."},
	{CheckHeadersDisclosure, "headers", "Server software disclosed", audit.OWASPMisconfig, Low,
		"Rampart strips Server and X-Powered-By from upstream responses by default; keep `headers: {strip_server: true}`."},
	{CheckCORSReflect, "cors", "CORS reflects any origin", audit.OWASPMisconfig, High,
		"List the allowed origins explicitly: `cors: {allowed_origins: [https://app.example.com]}`; Rampart refuses `*` with credentials."},
	{CheckCORSNull, "cors", "CORS allows the null origin", audit.OWASPMisconfig, Medium,
		"Remove `null` from `cors.allowed_origins`; sandboxed iframes and file: pages send it."},
	{CheckCORSWildcardCreds, "cors", "CORS wildcard with credentials", audit.OWASPMisconfig, Medium,
		"Use explicit `cors.allowed_origins` when `cors.allow_credentials` is true; Rampart's config refuses `*` with credentials."},
	{CheckCORSAnyMethod, "cors", "CORS preflight allows any method", audit.OWASPMisconfig, Low,
		"Set `cors.allowed_methods` to the methods the API serves."},
	{CheckErrorsStack, "errors", "Stack trace in response", audit.OWASPMisconfig, Medium,
		"Put Rampart in front: upstream 5xx bodies are scrubbed into problem+json (`upstream: {scrub_errors: true}`, the default) and request validation refuses malformed input first."},
	{CheckErrorsSQL, "errors", "Database error in response", audit.OWASPMisconfig, Medium,
		"Scrub upstream errors (`upstream.scrub_errors`, the default) and validate input against the OpenAPI document (`validate: {openapi: api.yaml}`)."},
	{CheckErrorsBanner, "errors", "Framework banner in error page", audit.OWASPMisconfig, Low,
		"Rampart renders every refusal as application/problem+json and scrubs upstream error pages (`upstream.scrub_errors`)."},
	{CheckErrors5xx, "errors", "Server error on malformed input", audit.OWASPMisconfig, Low,
		"Validate requests before they reach the application: `validate: {openapi: api.yaml}` refuses bad JSON, wrong types and unknown methods with 400/405."},
	{CheckExposureField, "exposure", "Sensitive field in response", audit.OWASPPropertyAuthz, High,
		"Filter responses: `response: {deny_fields: [password, password_hash, secret]}` or validate responses against the OpenAPI schema (`validate.responses: true`)."},
	{CheckExposureToken, "exposure", "Sensitive claim in token payload", audit.OWASPPropertyAuthz, Medium,
		"Token payloads are readable by anyone holding the token: keep secrets out of claims at the issuer."},
	{CheckExposurePath, "exposure", "Internal endpoint is public", audit.OWASPInventory, High,
		"Serve only the routes you list: Rampart's route table answers 404 for anything not in `routes:`; keep /metrics on the separate `admin_listen` address."},
	{CheckExposureListing, "exposure", "Directory listing enabled", audit.OWASPMisconfig, Medium,
		"Serve only the routes you list in `routes:`; Rampart answers 404 elsewhere."},
	{CheckExposureDocs, "exposure", "API documentation is public", audit.OWASPInventory, Info,
		"If the documentation is not meant to be public, leave it out of `routes:` or require authentication on it."},
	{CheckAuthMissing, "authentication", "Secured operation answers without credentials", audit.OWASPAuth, High,
		"Require authentication on the route: `routes: [{path: ..., auth: [jwt]}]`; Rampart fails closed when no authenticator accepts the request."},
	{CheckAuthAlgNone, "authentication", "Unsigned token (alg none) accepted", audit.OWASPAuth, Critical,
		"Verify tokens in Rampart with an explicit algorithm list: `auth: {jwt: {algorithms: [RS256], jwks_url: ...}}`; `none` is never accepted."},
	{CheckAuthSignature, "authentication", "Token signature not verified", audit.OWASPAuth, Critical,
		"Verify every token's signature at the gateway: `auth.jwt` with `jwks_url` or `hmac_secret_file`."},
	{CheckAuthKeyConfusion, "authentication", "RS256 to HS256 key confusion", audit.OWASPAuth, Critical,
		"Pin the algorithms: `auth.jwt.algorithms: [RS256]`; Rampart never verifies an HMAC token with an RSA public key."},
	{CheckAuthExpired, "authentication", "Expired token accepted", audit.OWASPAuth, High,
		"Let Rampart validate exp/nbf (`auth.jwt.leeway` at most a minute)."},
	{CheckAuthAudience, "authentication", "Token for another audience accepted", audit.OWASPAuth, High,
		"Set `auth.jwt.audience` to this API's audience."},
	{CheckAuthIssuer, "authentication", "Token from another issuer accepted", audit.OWASPAuth, High,
		"Set `auth.jwt.issuer` to the trusted issuer."},
	{CheckAuthWeakSecret, "authentication", "Token signed with a guessable secret", audit.OWASPAuth, Critical,
		"Sign with a random secret of at least 32 bytes or an asymmetric key; Rampart's `auth.jwt.hmac_secret_file` refuses secrets shorter than 32 bytes."},
	{CheckAuthQueryToken, "authentication", "Token accepted in the query string", audit.OWASPAuth, Medium,
		"Accept tokens only in the Authorization header (Rampart's default; `auth.jwt.from` lists the places)."},
	{CheckBOLARead, "bola", "Another identity's object is readable", audit.OWASPBOLA, High,
		"Add an owner rule on the route: `authz: {owner: {param: id, claim: sub}}`."},
	{CheckBOLAWrite, "bola", "Another identity's object is writable", audit.OWASPBOLA, Critical,
		"Add an owner rule on the route: `authz: {owner: {param: id, claim: sub}}`."},
	{CheckBFLA, "bfla", "Admin operation reachable without the admin role", audit.OWASPFunctionAuthz, High,
		"Require the role on the route: `authz: {roles: [admin]}` (or `x-rampart-roles: [admin]` in the OpenAPI document)."},
	{CheckMassAssignment, "mass-assignment", "Privileged field accepted in a write", audit.OWASPPropertyAuthz, High,
		"Validate request bodies against the OpenAPI schema with `additionalProperties: false` (`validate: {openapi: api.yaml}`) and `validate.deny_fields: [role, isAdmin]`."},
	{CheckRateLimitLogin, "rate-limits", "No rate limit on authentication", audit.OWASPAuth, Medium,
		"Limit login attempts: `bruteforce: {max_failures: 5, window: 15m}` and `ratelimit: [{route: /api/login, limit: 10/m, by: ip}]`."},
	{CheckInjectionSQL, "injection", "SQL injection", audit.OWASPMisconfig, Critical,
		"Fix the query with parameters; meanwhile enable the WAF (`waf: {crs: true}`) and type-check parameters (`validate: {openapi: api.yaml}`)."},
	{CheckInjectionNoSQL, "injection", "NoSQL operator injection", audit.OWASPMisconfig, Critical,
		"Validate bodies against the OpenAPI schema (`validate: {openapi: api.yaml}`) so operators like {\"$ne\": null} are refused; enable `waf: {crs: true}`."},
	{CheckInjectionXSS, "injection", "Script reflected in an HTML response", audit.OWASPMisconfig, Medium,
		"Serve JSON with the right Content-Type and `headers: {preset: strict}` (CSP, nosniff); enable `waf: {crs: true}`."},
	{CheckLimitsBody, "limits", "Oversized body read", audit.OWASPResource, Medium,
		"Set a body limit: `limits: {max_body: 1MiB}` (Rampart answers 413 from Content-Length before reading)."},
	{CheckLimitsDepth, "limits", "Deeply nested JSON accepted", audit.OWASPResource, Medium,
		"Set structural limits: `limits: {max_json_depth: 32}`."},
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
