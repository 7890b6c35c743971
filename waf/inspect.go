package waf

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/corazawaf/coraza/v3/types"

	"github.com/rampart-api/rampart/clientip"
)

// Rule ids with a meaning of their own.
const (
	ruleInboundAnomaly      = 949110 // CRS: inbound anomaly score reached the threshold
	ruleInboundAnomalyEarly = 949111 // the same, evaluated in phase 1 with early blocking
	ruleBodyParseError      = 200002 // Coraza: request body could not be parsed
	ruleMultipartStrict     = 200003 // Coraza: multipart body failed strict validation
	ruleArgsLimitHeaders    = 200004 // Coraza: query or path arguments over the limit
	ruleArgsLimitBody       = 200005 // Coraza: body arguments over the limit
	ruleURIParseError       = 200009 // Coraza: request URI could not be parsed
)

// maxReportedRules bounds the rule ids in one event.
const maxReportedRules = 32

// verdict is what one transaction decided.
type verdict struct {
	blocked  bool // the engine interrupted the request
	detected bool // DetectOnly: the engine would have interrupted it
	status   int
	reason   string
	rules    []int
	score    int // inbound anomaly score, 0 when unknown
}

// inspect feeds r to tx phase by phase and reads the outcome. It replaces
// r.Body with a reader that yields the same bytes. An error means the
// request was not fully inspected; the caller must not pass it on.
func (w *Firewall) inspect(tx types.Transaction, r *http.Request) (verdict, error) {
	tx.ProcessConnection(clientIP(r), 0, "", 0)
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	tx.ProcessURI(uri, r.Method, r.Proto)
	for k, vs := range r.Header {
		for _, v := range vs {
			tx.AddRequestHeader(k, v)
		}
	}
	// net/http moves Host and Transfer-Encoding out of the header map;
	// CRS rules read both (920280, smuggling checks).
	if r.Host != "" {
		tx.AddRequestHeader("Host", r.Host)
		tx.SetServerName(r.Host)
	}
	for _, te := range r.TransferEncoding {
		tx.AddRequestHeader("Transfer-Encoding", te)
	}
	if it := tx.ProcessRequestHeaders(); it != nil {
		return w.decide(tx, it), nil
	}
	if tx.IsRequestBodyAccessible() && r.Body != nil && r.Body != http.NoBody {
		it, n, err := tx.ReadRequestBodyFrom(r.Body)
		if err != nil {
			return verdict{}, fmt.Errorf("reading request body: %w", err)
		}
		if it != nil {
			return w.decide(tx, it), nil
		}
		if int64(n) > w.s.maxBody {
			// DetectionOnly makes Coraza process a partial body instead
			// of refusing it; an uninspected tail never passes.
			return verdict{blocked: true, status: http.StatusRequestEntityTooLarge, reason: "request body over inspection limit"}, nil
		}
		buffered, err := tx.RequestBodyReader()
		if err != nil {
			return verdict{}, fmt.Errorf("reading buffered request body: %w", err)
		}
		r.Body = &replayBody{Reader: io.MultiReader(buffered, r.Body), Closer: r.Body}
	}
	it, err := tx.ProcessRequestBody()
	if err != nil {
		return verdict{}, fmt.Errorf("processing request body: %w", err)
	}
	return w.decide(tx, it), nil
}

// replayBody gives next the buffered bytes, then whatever Coraza did not
// read, and closes the original body.
type replayBody struct {
	io.Reader
	io.Closer
}

// decide turns an interruption (or, in DetectionOnly mode, the one the
// engine would have made) into a verdict.
func (w *Firewall) decide(tx types.Transaction, it *types.Interruption) verdict {
	var v verdict
	switch {
	case it != nil:
		v.blocked = true
	case w.s.detectOnly:
		if d, ok := tx.(detectionOnly); ok {
			it = d.DetectionOnlyInterruption()
		}
		if it == nil {
			return v
		}
		v.detected = true
	default:
		return v
	}
	v.status, v.reason = statusFor(it)
	for _, m := range tx.MatchedRules() {
		if !logged(m) {
			continue
		}
		id := m.Rule().ID()
		if id == ruleInboundAnomaly || id == ruleInboundAnomalyEarly {
			if s, ok := parseScore(m.Message()); ok {
				v.score = s
			}
		}
		if id != 0 && len(v.rules) < maxReportedRules && !containsInt(v.rules, id) {
			v.rules = append(v.rules, id)
		}
	}
	return v
}

// statusFor maps an interruption to the status the client gets and an
// internal reason. Only a parse failure and the body limit keep their own
// status; every other disruptive outcome (deny, drop, redirect) is a 403.
func statusFor(it *types.Interruption) (int, string) {
	switch {
	case it.RuleID == ruleBodyParseError:
		return http.StatusBadRequest, "request body could not be parsed"
	case it.RuleID == ruleMultipartStrict:
		return http.StatusBadRequest, "multipart body failed strict validation"
	case it.RuleID == ruleArgsLimitHeaders || it.RuleID == ruleArgsLimitBody:
		return http.StatusBadRequest, "more arguments than the WAF inspects"
	case it.RuleID == ruleURIParseError:
		return http.StatusBadRequest, "request URI could not be parsed"
	case it.RuleID == 0 && it.Status == http.StatusRequestEntityTooLarge:
		return http.StatusRequestEntityTooLarge, "request body over inspection limit"
	case it.RuleID == ruleInboundAnomaly || it.RuleID == ruleInboundAnomalyEarly:
		return http.StatusForbidden, "inbound anomaly score reached threshold"
	}
	return http.StatusForbidden, "rule " + strconv.Itoa(it.RuleID) + " " + it.Action
}

// attrs are the event fields: rule ids and score, never matched data
// (which is request content) or rule messages (which quote it).
func (v verdict) attrs(s settings, detectOnly bool) []slog.Attr {
	a := make([]slog.Attr, 0, 5)
	a = append(a, slog.Any("rule_ids", v.rules))
	if v.score > 0 {
		a = append(a, slog.Int("anomaly_score", v.score), slog.Int("anomaly_threshold", s.threshold))
	}
	a = append(a, slog.Int("paranoia_level", s.paranoia))
	if detectOnly {
		a = append(a, slog.Bool("detect_only", true))
	}
	return a
}

// parseScore reads the total from the CRS 949110 message, "Inbound Anomaly
// Score Exceeded (Total Score: 15)". The message is expanded from a CRS
// variable, never from request content.
func parseScore(msg string) (int, bool) {
	const marker = "Total Score: "
	i := strings.Index(msg, marker)
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(marker):]
	end := 0
	for end < len(rest) && end < 9 && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(rest[:end])
	return n, err == nil
}

// clientIP is the client address [clientip.From] gives, as text, or ""
// when none is known.
func clientIP(r *http.Request) string {
	if a := clientip.From(r); a.IsValid() {
		return a.String()
	}
	return ""
}

// logged reports whether m is a detection rather than one of the nolog
// rules that set variables or steer the rule flow.
func logged(m types.MatchedRule) bool {
	if l, ok := m.(interface{ Log() bool }); ok {
		return l.Log()
	}
	return m.Message() != ""
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
