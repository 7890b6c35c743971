package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeDatabase writes db under out so that out appears complete or not at
// all: everything goes to a temporary sibling directory which is renamed to
// out at the end. It refuses to replace an existing out (ErrOutputExists),
// so a concurrent build of the same cache entry loses the race harmlessly.
// Not safe for concurrent use with the same out beyond that guarantee.
func writeDatabase(out string, db *database) (err error) {
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("%w: %s", ErrOutputExists, out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("vulndb: %w", err)
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".vulndb-*")
	if err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, os.RemoveAll(tmp))
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	if err := writeTree(tmp, db); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		if _, statErr := os.Lstat(out); statErr == nil {
			return fmt.Errorf("%w: %s", ErrOutputExists, out)
		}
		return fmt.Errorf("vulndb: %w", err)
	}
	return nil
}

func writeTree(dir string, db *database) error {
	indexDir, idDir := filepath.Join(dir, "index"), filepath.Join(dir, "ID")
	for _, d := range []string{indexDir, idDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return fmt.Errorf("vulndb: %w", err)
		}
	}
	for name, v := range map[string]any{"db.json": db.DB, "modules.json": db.Modules, "vulns.json": db.Vulns} {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("vulndb: encoding %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(indexDir, name), b, 0o644); err != nil {
			return fmt.Errorf("vulndb: %w", err)
		}
	}
	// govulncheck reads plain <endpoint>.json from a file:// database; the
	// .json.gz twins of the published database are only fetched over HTTP.
	for _, e := range db.Entries {
		if err := os.WriteFile(filepath.Join(idDir, e.ID+".json"), e.raw, 0o644); err != nil {
			return fmt.Errorf("vulndb: %w", err)
		}
	}
	return nil
}
