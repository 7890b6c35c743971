package main

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestLatestFixed(t *testing.T) {
	semver := func(events ...rangeEvent) versionRange { return versionRange{Type: rangeSemver, Events: events} }
	in := func(v string) rangeEvent { return rangeEvent{Introduced: v} }
	fix := func(v string) rangeEvent { return rangeEvent{Fixed: v} }
	tests := []struct {
		name   string
		ranges []versionRange
		want   string
	}{
		{name: "no ranges", want: ""},
		{name: "never fixed", ranges: []versionRange{semver(in("0"))}, want: ""},
		{name: "fixed", ranges: []versionRange{semver(in("0"), fix("0.3.7"))}, want: "0.3.7"},
		{name: "reintroduced after last fix", ranges: []versionRange{semver(in("0"), fix("1.0.4"), in("1.1.2"))}, want: ""},
		{name: "two fixed branches", ranges: []versionRange{semver(in("0"), fix("1.21.9"), in("1.22.0-0"), fix("1.22.2"))}, want: "1.22.2"},
		{name: "unsorted with fix", ranges: []versionRange{semver(fix("1.0.0"), in("0"), fix("0.1.0"), in("0.5.0"))}, want: "1.0.0"},
		{name: "unsorted reintroduced", ranges: []versionRange{semver(fix("1.0.4"), in("0"), in("1.1.2"), in("1.5.0"), fix("1.1.4"))}, want: ""},
		{name: "latest across ranges", ranges: []versionRange{semver(in("0"), fix("0.1.0")), semver(in("0"), fix("0.2.0"))}, want: "0.2.0"},
		{name: "pseudo-versions", ranges: []versionRange{semver(in("0"), fix("0.0.0-20220824120805-abc"),
			in("0.0.0-20230824120805-efg"), fix("0.0.0-20240824120805-hij"))}, want: "0.0.0-20240824120805-hij"},
		{name: "non-semver range ignored", ranges: []versionRange{{Type: "GIT", Events: []rangeEvent{fix("9.9.9")}}}, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := latestFixed(tc.ranges); got != tc.want {
				t.Errorf("latestFixed = %q, want %q", got, tc.want)
			}
		})
	}
}

func mustParse(t *testing.T, file, data string) *entry {
	t.Helper()
	e, err := parseEntry(file, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuildDatabase(t *testing.T) {
	// Two entries for x/text (one unfixed, reintroduced) and one for stdlib,
	// given out of order: the indexes must come out sorted, as published.
	unfixed := setField(t, withAffected(t, `{"name":"golang.org/x/text","ecosystem":"Go"}`,
		`[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.3.0"},{"introduced":"0.4.0"}]}]`,
		`[{"path":"golang.org/x/text/unicode/norm"}]`), "id", "GO-2026-0001")
	unfixed = setField(t, unfixed, "database_specific", map[string]any{"url": "https://pkg.go.dev/vuln/GO-2026-0001"})
	entries := []*entry{
		mustParse(t, "GO-2026-0001.json", unfixed),
		mustParse(t, "GO-2024-2687.json", osvStdlib),
		mustParse(t, "GO-2021-0113.json", osvTextEntry),
	}
	snapshot := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)

	tests := []struct {
		name                   string
		snapshot               time.Time
		wantDB                 string
		wantModules, wantVulns string
	}{
		{
			name:     "snapshot newer than entries",
			snapshot: snapshot,
			wantDB:   `{"modified":"2026-11-05T23:49:57Z"}`,
		},
		{
			name:   "no snapshot time",
			wantDB: `{"modified":"2024-05-20T16:03:47Z"}`,
		},
	}
	wantModules := `[{"path":"golang.org/x/text","vulns":[` +
		`{"id":"GO-2021-0113","modified":"2024-05-20T16:03:47Z","fixed":"0.3.7"},` +
		`{"id":"GO-2026-0001","modified":"2024-05-20T16:03:47Z"}]},` +
		`{"path":"stdlib","vulns":[{"id":"GO-2024-2687","modified":"0001-01-01T00:00:00Z","fixed":"1.22.2"}]}]`
	wantVulns := `[{"id":"GO-2021-0113","modified":"2024-05-20T16:03:47Z","aliases":["CVE-2021-38561"]},` +
		`{"id":"GO-2024-2687","modified":"0001-01-01T00:00:00Z","aliases":["CVE-2023-45288","GHSA-4v7x-pqxf-cx7m"]},` +
		`{"id":"GO-2026-0001","modified":"2024-05-20T16:03:47Z","aliases":["CVE-2021-38561"]}]`
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := buildDatabase(append([]*entry(nil), entries...), tc.snapshot)
			if err != nil {
				t.Fatal(err)
			}
			if got := marshal(t, db.DB); got != tc.wantDB {
				t.Errorf("db.json = %s\nwant %s", got, tc.wantDB)
			}
			if got := marshal(t, db.Modules); got != wantModules {
				t.Errorf("modules.json = %s\nwant %s", got, wantModules)
			}
			if got := marshal(t, db.Vulns); got != wantVulns {
				t.Errorf("vulns.json = %s\nwant %s", got, wantVulns)
			}
		})
	}
}

func TestBuildDatabaseRefusesDuplicateID(t *testing.T) {
	entries := []*entry{
		mustParse(t, "GO-2021-0113.json", osvTextEntry),
		mustParse(t, "GO-2024-2687.json", osvStdlib),
		mustParse(t, "GO-2021-0113.json", osvTextEntry),
	}
	_, err := buildDatabase(entries, time.Time{})
	if !errors.Is(err, ErrDuplicateID) {
		t.Fatalf("err = %v, want %v", err, ErrDuplicateID)
	}
}
