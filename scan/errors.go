package scan

import "errors"

// Sentinel errors, matched with [errors.Is].
var (
	// ErrOffOrigin refuses a request to any origin but the target's.
	ErrOffOrigin = errors.New("scan: refusing a request outside the target origin")
	// ErrBudget is returned once MaxRequests requests have been sent.
	ErrBudget = errors.New("scan: request budget spent")
	// ErrUnsafe refuses a write with side effects when Unsafe is not set.
	ErrUnsafe = errors.New("scan: write with side effects needs Unsafe")
	// ErrUnreachable means the target did not answer at all.
	ErrUnreachable = errors.New("scan: target unreachable")
	// ErrUnknownSeverity is returned by [ParseSeverity].
	ErrUnknownSeverity = errors.New("scan: unknown severity")
	// ErrInvalidIdentity is returned by [ParseIdentity].
	ErrInvalidIdentity = errors.New("scan: invalid identity")
)

// ConfigError reports one invalid [Config] field.
type ConfigError struct {
	Field  string
	Reason string
	// Err is the underlying error, if any, e.g. [ErrNotOpenAPI].
	Err error
}

func (e *ConfigError) Error() string { return "scan: config " + e.Field + ": " + e.Reason }

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }
