package apikey

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/rampart-api/rampart"
)

// Defaults applied by [New].
const (
	DefaultHeader       = "X-API-Key"
	DefaultMaxKeyLength = 256
)

// Method is the [rampart.Principal] Method of principals this package
// verifies.
const Method = "apikey"

// Reasons a presented key is refused, each wrapped with
// [rampart.ErrInvalidCredentials].
var (
	ErrUnknownKey   = errors.New("apikey: unknown key")
	ErrMalformedKey = errors.New("apikey: malformed key")
	ErrMultipleKeys = errors.New("apikey: more than one key header")
)

// The refusals returned by Authenticate, built once so that a flood of bad
// keys costs no allocations for error values.
var (
	errUnknownKey   = rampart.InvalidCredentials(ErrUnknownKey)
	errMalformedKey = rampart.InvalidCredentials(ErrMalformedKey)
	errMultipleKeys = rampart.InvalidCredentials(ErrMultipleKeys)
)

// Configuration errors returned by [New], joined when several apply.
var (
	ErrNoKeys        = errors.New("apikey: at least one key is required")
	ErrBadHeader     = errors.New("apikey: invalid header name")
	ErrBadScheme     = errors.New("apikey: invalid scheme")
	ErrSchemeNeeded  = errors.New("apikey: the Authorization header needs a Scheme so bearer tokens are not taken for keys")
	ErrInvalidEntry  = errors.New("apikey: invalid key entry")
	ErrBadKeyLength  = errors.New("apikey: MaxKeyLength must not be negative")
	ErrDuplicateHash = errors.New("apikey: duplicate hash")
)

// Entry is one stored key.
type Entry struct {
	// Hash is "sha256:" and the hex SHA-256 of the key (see [Hash]); the
	// bare hex digits are accepted too.
	Hash string `yaml:"hash" json:"hash"`
	// Subject, Roles, Scopes and Tenant make the [rampart.Principal] of a
	// request bearing the key. Subject is required.
	Subject string   `yaml:"subject" json:"subject"`
	Roles   []string `yaml:"roles,omitempty" json:"roles,omitempty"`
	Scopes  []string `yaml:"scopes,omitempty" json:"scopes,omitempty"`
	Tenant  string   `yaml:"tenant,omitempty" json:"tenant,omitempty"`
	// Name labels the key for operators ("ci-deploy-2026"); it is exposed
	// as the "key_name" claim.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
}

// EntryError reports a key entry [New] refuses. It never holds a key.
type EntryError struct {
	// Source is "keys" for config entries or the keys file's path.
	Source string
	Index  int
	Field  string
	Err    error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("apikey: %s[%d].%s: %v", e.Source, e.Index, e.Field, e.Err)
}

func (e *EntryError) Unwrap() []error { return []error{ErrInvalidEntry, e.Err} }

// Config configures [New].
type Config struct {
	// Header carries the key. Default [DefaultHeader].
	Header string
	// Scheme, when set, requires the header value to be "<Scheme> <key>"
	// (scheme case-insensitive); a value with another scheme counts as no
	// credentials, so "Authorization: Bearer …" passes to the next
	// authenticator. Required when Header is Authorization.
	Scheme string
	// Keys are the stored keys, with those of KeysFile.
	Keys []Entry
	// KeysFile is a file read once by New; see [ParseFile] for the format.
	KeysFile string
	// MaxKeyLength bounds a presented key; longer ones are refused before
	// hashing. Default [DefaultMaxKeyLength].
	MaxKeyLength int
}

type key struct {
	hash      [sha256.Size]byte
	principal rampart.Principal
}

// Authenticator verifies API keys. It is immutable after [New] and safe for
// concurrent use.
type Authenticator struct {
	header string
	scheme string
	maxLen int
	byHash map[[sha256.Size]byte]*key
}

// New validates cfg, reads the keys file, and returns an Authenticator. It
// reports every problem at once, joined with errors.Join.
func New(cfg Config) (*Authenticator, error) {
	var errs []error
	header := cfg.Header
	if header == "" {
		header = DefaultHeader
	}
	if !httpguts.ValidHeaderFieldName(header) {
		errs = append(errs, fmt.Errorf("header %q: %w", header, ErrBadHeader))
	}
	if cfg.Scheme != "" && !httpguts.ValidHeaderFieldName(cfg.Scheme) {
		errs = append(errs, fmt.Errorf("scheme %q: %w", cfg.Scheme, ErrBadScheme))
	}
	if strings.EqualFold(header, "Authorization") && cfg.Scheme == "" {
		errs = append(errs, ErrSchemeNeeded)
	}
	if strings.EqualFold(cfg.Scheme, "bearer") {
		errs = append(errs, fmt.Errorf("scheme %q is for tokens: %w", cfg.Scheme, ErrBadScheme))
	}
	maxLen := cfg.MaxKeyLength
	switch {
	case maxLen < 0:
		errs = append(errs, ErrBadKeyLength)
	case maxLen == 0:
		maxLen = DefaultMaxKeyLength
	}

	a := &Authenticator{
		header: http.CanonicalHeaderKey(header),
		scheme: cfg.Scheme,
		maxLen: maxLen,
		byHash: make(map[[sha256.Size]byte]*key, len(cfg.Keys)),
	}
	errs = append(errs, a.add("keys", cfg.Keys)...)
	if cfg.KeysFile != "" {
		entries, err := ReadFile(cfg.KeysFile)
		if err != nil {
			errs = append(errs, err)
		} else {
			errs = append(errs, a.add(cfg.KeysFile, entries)...)
		}
	}
	if len(a.byHash) == 0 && len(errs) == 0 {
		errs = append(errs, ErrNoKeys)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Authenticator) add(source string, entries []Entry) []error {
	var errs []error
	bad := func(i int, field string, err error) {
		errs = append(errs, &EntryError{Source: source, Index: i, Field: field, Err: err})
	}
	for i, e := range entries {
		sum, err := parseHash(e.Hash)
		if err != nil {
			bad(i, "hash", err)
		} else if _, dup := a.byHash[sum]; dup {
			bad(i, "hash", ErrDuplicateHash)
		}
		if strings.TrimSpace(e.Subject) == "" {
			bad(i, "subject", errors.New("required"))
		}
		for _, list := range [][]string{e.Roles, e.Scopes} {
			for _, s := range list {
				if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\r\n") {
					bad(i, "roles/scopes", fmt.Errorf("%q is not a single name", s))
				}
			}
		}
		if err != nil {
			continue
		}
		claims := map[string]any{"sub": e.Subject}
		if e.Tenant != "" {
			claims["tenant"] = e.Tenant
		}
		if e.Name != "" {
			claims["key_name"] = e.Name
		}
		a.byHash[sum] = &key{hash: sum, principal: rampart.Principal{
			Subject: e.Subject,
			Method:  Method,
			Roles:   append([]string(nil), e.Roles...),
			Scopes:  append([]string(nil), e.Scopes...),
			Tenant:  e.Tenant,
			Claims:  claims,
		}}
	}
	return errs
}

// Scheme is the configured scheme keys travel under, or "" for a bare key
// in its own header, which no WWW-Authenticate challenge can name.
func (a *Authenticator) Scheme() string { return a.scheme }

// Authenticate verifies the request's API key.
//
// It trusts only the stored hashes. A missing or empty header, or one with
// another scheme, is [rampart.ErrNoCredentials]; a repeated header, an
// oversized key or one with bytes outside visible ASCII, and an unknown key
// are errors wrapping [rampart.ErrInvalidCredentials] (fail closed).
//
// The key is hashed and the digest looked up in a map; the found digest is
// then compared with subtle.ConstantTimeCompare. Lookup timing can at most
// reveal bits of the SHA-256 of the attacker's own guess, which says
// nothing useful about a 256-bit key. The returned principal's slices and
// Claims map are shared between requests and must not be modified.
func (a *Authenticator) Authenticate(r *http.Request) (*rampart.Principal, error) {
	values := r.Header[a.header]
	switch len(values) {
	case 0:
		return nil, rampart.ErrNoCredentials
	case 1:
	default:
		return nil, errMultipleKeys
	}
	v, err := a.parse(values[0])
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(v))
	k, found := a.byHash[sum]
	if !found || subtle.ConstantTimeCompare(k.hash[:], sum[:]) != 1 {
		return nil, errUnknownKey
	}
	p := k.principal
	return &p, nil
}

// parse extracts the key from a header value.
func (a *Authenticator) parse(v string) (string, error) {
	if a.scheme != "" {
		n := len(a.scheme)
		if len(v) <= n || v[n] != ' ' || !strings.EqualFold(v[:n], a.scheme) {
			return "", rampart.ErrNoCredentials
		}
		v = strings.TrimLeft(v[n:], " ")
	}
	if v == "" {
		return "", rampart.ErrNoCredentials
	}
	if len(v) > a.maxLen {
		return "", errMalformedKey
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return "", errMalformedKey
		}
	}
	return v, nil
}

var _ rampart.Authenticator = (*Authenticator)(nil)
