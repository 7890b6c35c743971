package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func testDatabase(t *testing.T) *database {
	t.Helper()
	db, err := buildDatabase([]*entry{
		mustParse(t, "GO-2021-0113.json", osvTextEntry),
		mustParse(t, "GO-2024-2687.json", osvStdlib),
	}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// listTree returns the slash-separated paths of the regular files under dir.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWriteDatabase(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "cache", "vulndb", "v0.0.0-20261105234957-e22db6528018")
	if err := writeDatabase(out, testDatabase(t)); err != nil {
		t.Fatal(err)
	}
	want := []string{"ID/GO-2021-0113.json", "ID/GO-2024-2687.json", "index/db.json", "index/modules.json", "index/vulns.json"}
	if got := listTree(t, out); !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	got, err := os.ReadFile(filepath.Join(out, "ID", "GO-2021-0113.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := mustParse(t, "GO-2021-0113.json", osvTextEntry).raw; string(got) != string(want) {
		t.Errorf("ID file = %s, want the compacted entry %s", got, want)
	}
	siblings, err := os.ReadDir(filepath.Dir(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(siblings) != 1 {
		t.Errorf("temporary directory left behind: %v", siblings)
	}
}

func TestWriteDatabaseRefusesExistingOutput(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, out string)
	}{
		{name: "earlier build", setup: func(t *testing.T, out string) {
			if err := writeDatabase(out, testDatabase(t)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "empty directory", setup: func(t *testing.T, out string) {
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "symlink planted at output", setup: func(t *testing.T, out string) {
			if err := os.Symlink(t.TempDir(), out); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "db")
			tc.setup(t, out)
			before := listTree(t, filepath.Dir(out))
			err := writeDatabase(out, testDatabase(t))
			if !errors.Is(err, ErrOutputExists) {
				t.Fatalf("err = %v, want %v", err, ErrOutputExists)
			}
			if after := listTree(t, filepath.Dir(out)); !slices.Equal(before, after) {
				t.Errorf("files changed from %q to %q", before, after)
			}
		})
	}
}
