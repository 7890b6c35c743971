package introspect

// ConfigError reports one invalid field of a [Config]. [New] returns every
// one at once, joined.
type ConfigError struct {
	// Field is the field as a rampart.yaml file writes it under
	// auth.introspection: "endpoint", "client_secret", "auth_method",
	// "roles_claim", "cache_ttl".
	Field string
	// Reason says what is wrong, in the terms of the file. It never
	// quotes a secret or the credentials of a URL.
	Reason string
	// Err is the kind of problem, one of ErrBadEndpoint, ErrNoClient,
	// ErrBadAuthMethod, ErrBadLimit or ErrBadClaim, matched with errors.Is.
	Err error
}

func (e *ConfigError) Error() string { return "introspect: " + e.Field + ": " + e.Reason }

func (e *ConfigError) Unwrap() error { return e.Err }
