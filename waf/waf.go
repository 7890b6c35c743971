package waf

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental"
	"github.com/corazawaf/coraza/v3/types"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/problem"
)

// ErrBuild is wrapped by errors from compiling the rule set.
var ErrBuild = errors.New("waf: building rule set")

// Firewall inspects requests with Coraza and the OWASP CRS. Building one is
// expensive (the CRS is parsed and its patterns compiled), so build one per
// distinct Config and share it; it is immutable and safe for concurrent use.
type Firewall struct {
	coraza coraza.WAF
	s      settings
}

// detectionOnly is implemented by Coraza's transactions: in DetectionOnly
// mode it holds the interruption the engine would have made. It is not
// part of Coraza's public interface yet, so New checks for it.
type detectionOnly interface {
	DetectionOnlyInterruption() *types.Interruption
}

// New validates cfg and builds the rule set. Every configuration problem
// is returned at once, joined; the errors wrap [ErrInvalidConfig] and are
// [*ConfigError] or [*ExclusionError] values.
func New(cfg Config) (*Firewall, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	loaded := make(map[int]bool, 1024)
	wc := coraza.NewWAFConfig().
		WithRootFS(coreruleset.FS).
		WithDirectives(directives(s))
	wc = experimental.WAFConfigWithRuleObserver(wc, func(m types.RuleMetadata) { loaded[m.ID()] = true })
	cw, err := coraza.NewWAF(wc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuild, err)
	}
	var errs []error
	for _, id := range s.exclusions {
		if !loaded[id] {
			errs = append(errs, &ExclusionError{id, "no such rule in the loaded rule set"})
		}
	}
	tx := cw.NewTransaction()
	_, ok := tx.(detectionOnly)
	_ = tx.Close()
	if !ok {
		errs = append(errs, fmt.Errorf("%w: transactions do not report detection-only interruptions", ErrBuild))
	}
	if err := errors.Join(errs...); err != nil {
		closeCoraza(cw)
		return nil, err
	}
	return &Firewall{coraza: cw, s: s}, nil
}

// Close releases the compiled patterns this WAF holds (they are shared
// with other WAFs built from the same rules until all are closed). Call it
// once the WAF no longer serves requests, e.g. after a reload replaced it;
// requests in flight are unaffected.
func (w *Firewall) Close() error {
	if w == nil {
		return nil
	}
	closeCoraza(w.coraza)
	return nil
}

func closeCoraza(cw coraza.WAF) {
	if c, ok := cw.(experimental.WAFCloser); ok {
		_ = c.Close()
	}
}

// Handler returns middleware that inspects each request's connection, URI,
// headers and body (within MaxBodyBytes) before next sees it.
//
// It trusts the client IP in [rampart.Info] (set by the clientip step) and
// nothing else about the request. It fails closed: a request the WAF cannot
// process gets a 500 problem and a log line, never a pass. A block is a 403
// problem (400 for a body Coraza cannot parse, 413 for a body over
// MaxBodyBytes) with no rule text, and an [audit.WAFBlocked] event carrying
// the matched rule ids and anomaly score; with DetectOnly the event is
// emitted and the request passes. The body reaches next byte for byte.
// Responses are not inspected.
//
// A nil *Firewall passes every request through. Safe for concurrent use.
func (w *Firewall) Handler(next http.Handler) http.Handler {
	if w == nil {
		return next
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.ContentLength > w.s.maxBody {
			w.refuse(rw, r, http.StatusRequestEntityTooLarge, "request body over inspection limit", nil)
			return
		}
		var tx types.Transaction
		if info := rampart.InfoFrom(r.Context()); info != nil && info.RequestID != "" {
			tx = w.coraza.NewTransactionWithID(info.RequestID)
		} else {
			tx = w.coraza.NewTransaction()
		}
		// The transaction owns the buffered body that next reads, so it
		// is closed only once next returns.
		defer func() { _ = tx.Close() }()
		v, err := w.inspect(tx, r)
		switch {
		case err != nil:
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				w.refuse(rw, r, http.StatusRequestEntityTooLarge, "request body over limit", nil)
				return
			}
			w.s.log.ErrorContext(r.Context(), "waf: processing request failed",
				slog.String("request_id", requestID(r)), slog.String("error", err.Error()))
			w.s.errorHandler(rw, r, fmt.Errorf("waf: processing request: %w", err))
			return
		case v.blocked:
			w.refuse(rw, r, v.status, v.reason, v.attrs(w.s, false))
			return
		case v.detected:
			w.s.events.Emit(r, audit.Event{
				Name:   audit.WAFBlocked,
				Reason: "detect only: " + v.reason,
				OWASP:  audit.OWASPMisconfig,
				Attrs:  v.attrs(w.s, true),
			})
		}
		next.ServeHTTP(rw, r)
	})
}

// refuse writes the problem and emits the event. The reason is internal;
// the client sees only the status.
func (w *Firewall) refuse(rw http.ResponseWriter, r *http.Request, status int, reason string, attrs []slog.Attr) {
	w.s.events.Emit(r, audit.Event{
		Name:   audit.WAFBlocked,
		Reason: reason,
		OWASP:  audit.OWASPMisconfig,
		Status: status,
		Attrs:  attrs,
	})
	w.s.errorHandler(rw, r, problem.New(status, reason))
}

func requestID(r *http.Request) string {
	if info := rampart.InfoFrom(r.Context()); info != nil {
		return info.RequestID
	}
	return ""
}
