package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// database is the converted database, ready to be written.
type database struct {
	DB      dbMeta
	Modules []moduleMeta
	Vulns   []vulnMeta
	Entries []*entry
}

// dbMeta is index/db.json.
type dbMeta struct {
	Modified utcTime `json:"modified"`
}

// moduleMeta is one element of index/modules.json.
type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type moduleVuln struct {
	ID       string  `json:"id"`
	Modified utcTime `json:"modified"`
	Fixed    string  `json:"fixed,omitempty"`
}

// vulnMeta is one element of index/vulns.json.
type vulnMeta struct {
	ID       string   `json:"id"`
	Modified utcTime  `json:"modified"`
	Aliases  []string `json:"aliases,omitempty"`
}

// utcTime marshals as RFC 3339 in UTC ("...Z"), as the OSV schema and the
// published database do.
type utcTime time.Time

func (t utcTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(time.RFC3339) + `"`), nil
}

// buildDatabase computes the indexes the way the database's own generator
// (golang.org/x/vulndb/internal/database) does: one module record per
// affected module, vulns sorted by ID, modules by path. snapshot, when not
// zero, is the time the source snapshot was taken; index/db.json reports the
// later of it and the newest entry, because snapshot entries carry zero
// timestamps. It fails when two entries share an ID.
func buildDatabase(entries []*entry, snapshot time.Time) (*database, error) {
	slices.SortFunc(entries, func(a, b *entry) int { return strings.Compare(a.ID, b.ID) })
	db := &database{Entries: entries, Vulns: make([]vulnMeta, 0, len(entries))}
	modified := snapshot.UTC()
	byPath := make(map[string][]moduleVuln)
	for i, e := range entries {
		if i > 0 && entries[i-1].ID == e.ID {
			return nil, &EntryError{File: e.ID + ".json", Err: ErrDuplicateID}
		}
		if e.Modified.After(modified) {
			modified = e.Modified.UTC()
		}
		db.Vulns = append(db.Vulns, vulnMeta{ID: e.ID, Modified: utcTime(e.Modified), Aliases: e.Aliases})
		for _, a := range e.Affected {
			byPath[a.Module.Path] = append(byPath[a.Module.Path], moduleVuln{
				ID:       e.ID,
				Modified: utcTime(e.Modified),
				Fixed:    latestFixed(a.Ranges),
			})
		}
	}
	db.DB.Modified = utcTime(modified)
	db.Modules = make([]moduleMeta, 0, len(byPath))
	for path, vulns := range byPath {
		db.Modules = append(db.Modules, moduleMeta{Path: path, Vulns: vulns})
	}
	slices.SortFunc(db.Modules, func(a, b moduleMeta) int { return strings.Compare(a.Path, b.Path) })
	return db, nil
}

// latestFixed returns the version from which no later version is affected,
// or "" when the vulnerability is unfixed or was reintroduced after its last
// fix. It mirrors osvutils.LatestFixed in golang.org/x/vulndb (and
// NonSupersededFix in govulncheck): govulncheck skips fetching an entry for a
// module whose version is at or above this value, so erring towards ""
// only costs a download, never a missed finding.
func latestFixed(ranges []versionRange) string {
	var fixed string
	for _, r := range ranges {
		if r.Type != rangeSemver {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && before(fixed, e.Fixed) {
				fixed = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && before(fixed, e.Introduced) {
				fixed = ""
				break
			}
		}
	}
	return fixed
}

// before reports whether unprefixed version v sorts before w; "" (an
// invalid version) sorts before everything, as in golang.org/x/mod/semver.
func before(v, w string) bool {
	return semver.Compare("v"+v, "v"+w) < 0
}

// String summarises the database for the command's final message.
func (db *database) String() string {
	return fmt.Sprintf("%d entries, %d modules, modified %s",
		len(db.Entries), len(db.Modules), time.Time(db.DB.Modified).UTC().Format(time.RFC3339))
}
