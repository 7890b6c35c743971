package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// Sentinels for the ways an OSV entry can be refused; each refusal is an
// *EntryError wrapping one of them.
var (
	ErrSyntax        = errors.New("vulndb: malformed OSV JSON")
	ErrID            = errors.New("vulndb: id is not of the form GO-YYYY-NNNN")
	ErrFileName      = errors.New("vulndb: file name does not match id")
	ErrNoAffected    = errors.New("vulndb: entry affects no module")
	ErrModulePath    = errors.New("vulndb: affected module path is empty")
	ErrEcosystem     = errors.New("vulndb: affected ecosystem is not Go")
	ErrRangeType     = errors.New("vulndb: range type is not SEMVER")
	ErrEvent         = errors.New("vulndb: range event must set exactly one of introduced and fixed")
	ErrVersion       = errors.New("vulndb: version is not canonical semver")
	ErrEventOrder    = errors.New("vulndb: range events are not introduced/fixed pairs in ascending order")
	ErrPackagePath   = errors.New("vulndb: package path is outside its module")
	ErrTimestamps    = errors.New("vulndb: published time is after modified time")
	ErrAdvisoryURL   = errors.New("vulndb: database_specific.url is not the entry's pkg.go.dev/vuln page")
	ErrDuplicateID   = errors.New("vulndb: id appears in more than one file")
	ErrNoEntries     = errors.New("vulndb: no OSV entries found")
	ErrOutputExists  = errors.New("vulndb: output directory already exists")
	ErrInvalidConfig = errors.New("vulndb: invalid configuration")
)

// EntryError reports why the OSV file File was refused.
type EntryError struct {
	File string
	Err  error
}

func (e *EntryError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *EntryError) Unwrap() error { return e.Err }

// goID is the Go vulnerability database's own ID syntax; it also keeps the
// ID safe to use as a file name under ID/.
var goID = regexp.MustCompile(`^GO-[0-9]{4}-[0-9]{4,}$`)

const (
	goEcosystem = "Go"
	rangeSemver = "SEMVER"
	stdlibPath  = "stdlib"
	cmdPath     = "toolchain"
	advisoryURL = "https://pkg.go.dev/vuln/"
)

// entry holds the fields of an OSV entry that the indexes are computed from
// and that govulncheck interprets; raw keeps the whole entry, compacted, so
// no field is lost in ID/<id>.json.
type entry struct {
	ID        string     `json:"id"`
	Modified  time.Time  `json:"modified"`
	Published time.Time  `json:"published"`
	Withdrawn *time.Time `json:"withdrawn,omitempty"`
	Aliases   []string   `json:"aliases,omitempty"`
	Affected  []affected `json:"affected"`
	// DatabaseSpecific is dereferenced by govulncheck's text output for
	// every finding, so an entry without it would crash the scan.
	DatabaseSpecific *databaseSpecific `json:"database_specific"`

	raw []byte
}

type databaseSpecific struct {
	URL string `json:"url"`
}

type affected struct {
	Module            osvModule         `json:"package"`
	Ranges            []versionRange    `json:"ranges,omitempty"`
	EcosystemSpecific ecosystemSpecific `json:"ecosystem_specific"`
}

type osvModule struct {
	Path      string `json:"name"`
	Ecosystem string `json:"ecosystem"`
}

type versionRange struct {
	Type   string       `json:"type"`
	Events []rangeEvent `json:"events"`
}

type rangeEvent struct {
	Introduced string `json:"introduced,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
}

type ecosystemSpecific struct {
	Imports []importedPackage `json:"imports,omitempty"`
}

type importedPackage struct {
	Path    string   `json:"path"`
	GOOS    []string `json:"goos,omitempty"`
	GOARCH  []string `json:"goarch,omitempty"`
	Symbols []string `json:"symbols,omitempty"`
}

// parseEntry decodes and validates the OSV file named name (its base name).
// It trusts nothing in data: every field the indexes or govulncheck rely on
// is checked, and any problem is returned as an *EntryError (fail closed).
// Safe for concurrent use.
func parseEntry(name string, data []byte) (*entry, error) {
	fail := func(err error) (*entry, error) { return nil, &EntryError{File: name, Err: err} }

	var e entry
	if err := json.Unmarshal(data, &e); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrSyntax, err))
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrSyntax, err))
	}
	e.raw = compact.Bytes()

	if !goID.MatchString(e.ID) {
		return fail(fmt.Errorf("%w (got %q)", ErrID, e.ID))
	}
	if name != e.ID+".json" {
		return fail(fmt.Errorf("%w (id %s)", ErrFileName, e.ID))
	}
	// Snapshots of the module carry zero timestamps (the live database
	// fills them in from git history), so only their order is checked.
	if !e.Modified.IsZero() && e.Published.After(e.Modified) {
		return fail(fmt.Errorf("%w (published %s, modified %s)", ErrTimestamps,
			e.Published.Format(time.RFC3339), e.Modified.Format(time.RFC3339)))
	}
	if e.DatabaseSpecific == nil || e.DatabaseSpecific.URL != advisoryURL+e.ID {
		return fail(ErrAdvisoryURL)
	}
	if len(e.Affected) == 0 {
		return fail(ErrNoAffected)
	}
	for i := range e.Affected {
		if err := validateAffected(&e.Affected[i]); err != nil {
			return fail(err)
		}
	}
	return &e, nil
}

func validateAffected(a *affected) error {
	switch {
	case a.Module.Path == "":
		return ErrModulePath
	case a.Module.Ecosystem != goEcosystem:
		return fmt.Errorf("%w (module %s, ecosystem %q)", ErrEcosystem, a.Module.Path, a.Module.Ecosystem)
	}
	for _, r := range a.Ranges {
		if err := validateRange(r); err != nil {
			return fmt.Errorf("module %s: %w", a.Module.Path, err)
		}
	}
	if a.Module.Path == stdlibPath || a.Module.Path == cmdPath {
		return nil
	}
	for _, p := range a.EcosystemSpecific.Imports {
		if p.Path != a.Module.Path && !strings.HasPrefix(p.Path, a.Module.Path+"/") {
			return fmt.Errorf("%w (module %s, package %q)", ErrPackagePath, a.Module.Path, p.Path)
		}
	}
	return nil
}

// validateRange requires what govulncheck's range matching assumes: SEMVER
// events, each either introduced or fixed, alternating, strictly ascending,
// with "0" allowed only as the first introduced.
func validateRange(r versionRange) error {
	if r.Type != rangeSemver {
		return fmt.Errorf("%w (got %q)", ErrRangeType, r.Type)
	}
	prev := ""
	wantIntroduced := true
	for i, ev := range r.Events {
		v, introduced := ev.Introduced, true
		switch {
		case ev.Introduced != "" && ev.Fixed != "", ev.Introduced == "" && ev.Fixed == "":
			return ErrEvent
		case ev.Fixed != "":
			v, introduced = ev.Fixed, false
		}
		if introduced != wantIntroduced {
			return fmt.Errorf("%w (event %d)", ErrEventOrder, i)
		}
		wantIntroduced = !introduced
		if v == "0" && introduced && i == 0 {
			continue
		}
		if !canonical(v) {
			return fmt.Errorf("%w (got %q)", ErrVersion, v)
		}
		if prev != "" && semver.Compare("v"+prev, "v"+v) >= 0 {
			return fmt.Errorf("%w (%s then %s)", ErrEventOrder, prev, v)
		}
		prev = v
	}
	return nil
}

// canonical reports whether v is an unprefixed semantic version in the
// canonical form the database uses ("1.2.3", "1.22.0-0"), build metadata kept.
func canonical(v string) bool {
	sv := "v" + v
	return semver.IsValid(sv) && semver.Canonical(sv)+semver.Build(sv) == sv
}
