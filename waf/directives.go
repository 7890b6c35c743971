package waf

import (
	"strconv"
	"strings"
)

// allowedMethods replaces the CRS default (GET HEAD POST OPTIONS), which
// would block every PUT, PATCH and DELETE of a REST API. Which methods a
// route accepts is the route table's decision, not the WAF's.
const allowedMethods = "GET HEAD POST OPTIONS PUT PATCH DELETE"

// argumentsLimit is Coraza's limit on arguments kept per source (query,
// path, body); a request with more is refused, never half inspected.
const argumentsLimit = 1000

// directives renders s as SecLang: Coraza's recommended base, then the
// settings that must hold whatever that file says, then the CRS setup, our
// CRS variables, the request rules and the exclusions.
//
// Only the REQUEST-* rule files are loaded: the WAF inspects requests, and
// response rules would need response buffering on every request.
func directives(s settings) string {
	var b strings.Builder
	engine := "On"
	if s.detectOnly {
		engine = "DetectionOnly"
	}
	// The body limit is one past MaxBodyBytes because Coraza treats a
	// buffer that reaches its limit as over it. The in-memory limit equals
	// the body limit so that a body is never spooled to a temporary file.
	limit := strconv.FormatInt(s.maxBody+1, 10)
	b.WriteString("Include @coraza.conf-recommended\n")
	// The copy of the recommended file embedded with the CRS predates
	// these rules of Coraza's own: without 200004/200005 a payload placed
	// after enough filler arguments is dropped unseen.
	b.WriteString("SecArgumentsLimit " + strconv.Itoa(argumentsLimit) + "\n")
	b.WriteString(`SecRule ARGUMENTS_LIMIT_REACHED "@eq 1" "id:200004,phase:1,t:none,log,deny,status:400,msg:'Argument limit reached (GET/PATH args)'"` + "\n")
	b.WriteString(`SecRule ARGUMENTS_LIMIT_REACHED "@eq 1" "id:200005,phase:2,t:none,log,deny,status:400,msg:'Argument limit reached (POST args)'"` + "\n")
	b.WriteString(`SecRule URI_PARSE_ERROR "@eq 1" "id:200009,phase:1,t:none,log,deny,status:400,msg:'URI failed to parse'"` + "\n")
	b.WriteString("SecRuleEngine " + engine + "\n")
	b.WriteString("SecRequestBodyAccess On\n")
	b.WriteString("SecRequestBodyLimit " + limit + "\n")
	b.WriteString("SecRequestBodyInMemoryLimit " + limit + "\n")
	b.WriteString("SecRequestBodyLimitAction Reject\n")
	b.WriteString("SecResponseBodyAccess Off\n")
	// Coraza's audit log would record request headers and bodies; Rampart
	// reports through its own security events instead.
	b.WriteString("SecAuditEngine Off\n")
	b.WriteString("SecDebugLogLevel 0\n")
	b.WriteString("Include @crs-setup.conf.example\n")
	b.WriteString(`SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=` + strconv.Itoa(s.paranoia) + "\"\n")
	b.WriteString(`SecAction "id:900110,phase:1,pass,t:none,nolog,setvar:tx.inbound_anomaly_score_threshold=` + strconv.Itoa(s.threshold) + ",setvar:tx.outbound_anomaly_score_threshold=4\"\n")
	b.WriteString(`SecAction "id:900200,phase:1,pass,t:none,nolog,setvar:'tx.allowed_methods=` + allowedMethods + "'\"\n")
	b.WriteString("Include @owasp_crs/REQUEST-*.conf\n")
	for _, id := range s.exclusions {
		b.WriteString("SecRuleRemoveById " + strconv.Itoa(id) + "\n")
	}
	return b.String()
}
