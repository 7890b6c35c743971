package waf

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/problem"
)

// Defaults applied to zero Config fields.
const (
	DefaultParanoiaLevel    = 1
	DefaultAnomalyThreshold = 5
	DefaultMaxBodyBytes     = 64 << 10

	// MaxMaxBodyBytes bounds MaxBodyBytes: the WAF keeps every inspected
	// body in memory (never on disk), once per request in flight.
	MaxMaxBodyBytes = 64 << 20
	// maxAnomalyThreshold is far above any sensible threshold; a larger
	// value would switch blocking off in practice while looking enabled.
	maxAnomalyThreshold = 1000
)

// Config configures a [WAF]. The zero value is a blocking WAF at paranoia
// level 1 with the CRS default inbound anomaly threshold of 5.
type Config struct {
	// ParanoiaLevel is the CRS blocking paranoia level, 1 to 4; 0 means 1.
	// Higher levels add rules that catch more and misfire more.
	ParanoiaLevel int
	// AnomalyThreshold is the inbound anomaly score at which a request is
	// blocked (a critical match scores 5); 0 means 5. Raising it lets
	// more attacks through; it is a tuning knob, not an off switch.
	AnomalyThreshold int
	// DetectOnly evaluates every rule and emits the event a block would,
	// but lets the request through. For rolling out or tuning a rule set.
	DetectOnly bool
	// MaxBodyBytes is the largest request body inspected; 0 means 64 KiB,
	// at most 64 MiB. A larger body is refused with 413 without being
	// buffered past the limit. Inspection costs CPU in proportion to the
	// body (the CRS runs hundreds of patterns over every argument), so
	// keep it as small as the route allows.
	MaxBodyBytes int64
	// Exclusions are CRS rule ids to remove, for false positives. Each
	// must name a loaded rule; the rules that initialise the CRS and
	// evaluate the anomaly score cannot be removed.
	Exclusions []int
	// Events receives an [audit.WAFBlocked] event per blocked (or, with
	// DetectOnly, detected) request. Nil discards events.
	Events *audit.Logger
	// Log receives internal errors (a request the WAF could not process).
	// Nil means slog.Default().
	Log *slog.Logger
	// ErrorHandler renders refusals; nil means [problem.Write].
	ErrorHandler problem.ErrorHandler
}

// ErrInvalidConfig is wrapped by every configuration error.
var ErrInvalidConfig = errors.New("waf: invalid config")

// ConfigError reports an unacceptable Config field.
type ConfigError struct {
	Field  string
	Value  any
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("waf: invalid %s %v: %s", e.Field, e.Value, e.Reason)
}

func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// ExclusionError reports a rule id in Config.Exclusions that cannot be
// removed.
type ExclusionError struct {
	ID     int
	Reason string
}

func (e *ExclusionError) Error() string {
	return fmt.Sprintf("waf: cannot exclude rule %d: %s", e.ID, e.Reason)
}

func (e *ExclusionError) Unwrap() error { return ErrInvalidConfig }

// settings is a validated Config with defaults applied.
type settings struct {
	paranoia     int
	threshold    int
	detectOnly   bool
	maxBody      int64
	exclusions   []int
	events       *audit.Logger
	log          *slog.Logger
	errorHandler problem.ErrorHandler
}

// validate checks every field, returning all problems at once. It has no
// side effects.
func (c *Config) validate() (settings, error) {
	s := settings{
		paranoia:     c.ParanoiaLevel,
		threshold:    c.AnomalyThreshold,
		detectOnly:   c.DetectOnly,
		maxBody:      c.MaxBodyBytes,
		events:       c.Events,
		log:          c.Log,
		errorHandler: c.ErrorHandler,
	}
	var errs []error
	switch {
	case s.paranoia == 0:
		s.paranoia = DefaultParanoiaLevel
	case s.paranoia < 1 || s.paranoia > 4:
		errs = append(errs, &ConfigError{"ParanoiaLevel", c.ParanoiaLevel, "must be 1 to 4"})
	}
	switch {
	case s.threshold == 0:
		s.threshold = DefaultAnomalyThreshold
	case s.threshold < 1 || s.threshold > maxAnomalyThreshold:
		errs = append(errs, &ConfigError{"AnomalyThreshold", c.AnomalyThreshold, fmt.Sprintf("must be 1 to %d", maxAnomalyThreshold)})
	}
	switch {
	case s.maxBody == 0:
		s.maxBody = DefaultMaxBodyBytes
	case s.maxBody < 0 || s.maxBody > MaxMaxBodyBytes:
		errs = append(errs, &ConfigError{"MaxBodyBytes", c.MaxBodyBytes, fmt.Sprintf("must be 1 to %d", MaxMaxBodyBytes)})
	}
	for _, id := range c.Exclusions {
		if err := checkExclusion(id); err != nil {
			errs = append(errs, err)
			continue
		}
		if !slices.Contains(s.exclusions, id) {
			s.exclusions = append(s.exclusions, id)
		}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.errorHandler == nil {
		s.errorHandler = problem.Write
	}
	return s, errors.Join(errs...)
}

// checkExclusion refuses ids that are not rule ids or whose removal would
// silently switch the WAF off instead of tuning it: the CRS initialisation
// (901xxx) and anomaly evaluation (949xxx) rules, Coraza's body-processor
// rules (2000xx) and the CRS setup rules (900xxx) this package sets.
func checkExclusion(id int) error {
	switch {
	case id <= 0:
		return &ExclusionError{id, "not a rule id"}
	case id/1000 == 901:
		return &ExclusionError{id, "CRS initialisation rule"}
	case id/1000 == 949:
		return &ExclusionError{id, "CRS anomaly evaluation rule"}
	case id >= 200000 && id <= 200099:
		return &ExclusionError{id, "request body processing rule"}
	case id/1000 == 900:
		return &ExclusionError{id, "CRS setup rule"}
	}
	return nil
}
