package config

import (
	"errors"
	"strconv"
	"strings"

	"github.com/rampart-api/rampart/auth/introspect"
	"github.com/rampart-api/rampart/auth/jwt"
	"github.com/rampart-api/rampart/authz"
	"github.com/rampart-api/rampart/bruteforce"
	"github.com/rampart-api/rampart/cors"
	"github.com/rampart-api/rampart/proxy"
	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/secureheaders"
)

// fieldNames maps a feature's Go field names to the keys the file uses.
type fieldNames map[string]string

var (
	corsFields = fieldNames{
		"AllowedOrigins": "allowed_origins",
		"AllowedMethods": "allowed_methods",
		"AllowedHeaders": "allowed_headers",
		"ExposedHeaders": "exposed_headers",
		"MaxAge":         "max_age",
	}
	headerFields    = fieldNames{"Profile": "profile", "Set": "set"}
	proxyFields     = fieldNames{"Target": "url", "Timeout": "timeout"}
	rateLimitFields = fieldNames{"Rate": "limit", "Period": "window", "Burst": "burst"}
)

// featureError is one error from a feature's validation, located by the
// feature's own field name. It is found by the error's type, never by its
// text, so rewording a feature's message cannot move it to another field.
type featureError struct {
	field  string // in the feature's terms: "AllowedOrigins[2]", "Set[X-Frame-Options]"
	names  fieldNames
	reason string
}

// asFeatureError finds the typed field error in err, if any.
func asFeatureError(err error) (featureError, bool) {
	var (
		ce *cors.ConfigError
		he *secureheaders.ConfigError
		pe *proxy.ConfigError
		le *ratelimit.LimitError
		ke *ratelimit.KeyError
		je *jwt.ConfigError
		ie *introspect.ConfigError
		be *bruteforce.FieldError
		ae *authz.HeaderError
	)
	switch {
	case errors.As(err, &ce):
		return featureError{ce.Field, corsFields, ce.Reason}, true
	case errors.As(err, &he):
		return featureError{he.Field, headerFields, he.Reason}, true
	case errors.As(err, &pe):
		return featureError{pe.Field, proxyFields, pe.Reason}, true
	case errors.As(err, &le):
		return featureError{le.Field, rateLimitFields, le.Reason}, true
	case errors.As(err, &je):
		return featureError{je.Field, nil, je.Reason}, true
	case errors.As(err, &ie):
		return featureError{ie.Field, nil, ie.Reason}, true
	case errors.As(err, &be):
		reason := be.Reason
		if reason == "" {
			reason = be.Err.Error()
		}
		return featureError{be.Field, nil, reason}, true
	case errors.As(err, &ae):
		return featureError{ae.Field, nil, ae.Reason}, true
	case errors.As(err, &ke):
		return featureError{"", nil, strconv.Quote(ke.Spec) + ": " + ke.Reason}, true
	}
	return featureError{}, false
}

// path returns the file path of the failing field below base: a list index
// is kept ("allowed_origins[2]"), a map key becomes a key ("set.X-Frame-Options").
// A field the table does not know locates the error at base. A feature
// without a table names its fields as the file does.
func (f featureError) path(base string) string {
	if f.names == nil {
		if f.field == "" {
			return base
		}
		return base + "." + f.field
	}
	name, rest, _ := strings.Cut(f.field, "[")
	key, ok := f.names[name]
	if !ok {
		return base
	}
	p := base + "." + key
	if rest == "" {
		return p
	}
	sub := strings.TrimSuffix(rest, "]")
	if sub != "" && strings.Trim(sub, "0123456789") == "" {
		return p + "[" + sub + "]"
	}
	return p + "." + sub
}

// featureErrors reports each error joined in err at the file path of its
// field below base. An error of no known type is reported whole at base.
func (v *validator) featureErrors(base string, err error) {
	for _, e := range splitJoined(err) {
		if f, ok := asFeatureError(e); ok {
			v.errorf(f.path(base), "%s", f.reason)
		} else {
			v.errorf(base, "%v", e)
		}
	}
}

// splitJoined returns the errors an errors.Join holds. Typed errors that
// unwrap to several errors themselves (a sentinel and a cause) are one
// error, not a list.
func splitJoined(err error) []error {
	switch err.(type) {
	case *cors.ConfigError, *proxy.ConfigError:
		return []error{err}
	}
	return unjoin(err)
}
