package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, ErrInvalidConfig) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// Config is what the command is asked to do.
type Config struct {
	// Src is the root of a golang.org/x/vulndb module (or checkout); the
	// entries are read from Src/data/osv.
	Src string
	// Out is the database directory to create; it must not exist yet.
	Out string
	// Version is the vulndb module version Src holds, optional. For a
	// pseudo-version, its commit time becomes index/db.json's "modified"
	// when later than every entry's (snapshot entries carry zero times).
	Version string
}

// ConfigError reports an unusable Config field.
type ConfigError struct {
	Field  string
	Value  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("vulndb: -%s %q: %s", e.Field, e.Value, e.Reason)
}

func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// validate returns every problem with c at once.
func (c Config) validate() error {
	var errs []error
	if c.Src == "" {
		errs = append(errs, &ConfigError{Field: "src", Reason: "is required"})
	}
	if c.Out == "" {
		errs = append(errs, &ConfigError{Field: "out", Reason: "is required"})
	}
	if c.Version != "" && !semver.IsValid(c.Version) {
		errs = append(errs, &ConfigError{Field: "version", Value: c.Version, Reason: "is not a semantic version"})
	}
	return errors.Join(errs...)
}

// snapshotTime is the commit time encoded in a pseudo-version, or zero.
func (c Config) snapshotTime() time.Time {
	if !module.IsPseudoVersion(c.Version) {
		return time.Time{}
	}
	t, err := module.PseudoVersionTime(c.Version)
	if err != nil {
		return time.Time{}
	}
	return t
}

func run(args []string, stderr io.Writer) error {
	var cfg Config
	fset := flag.NewFlagSet("vulndb", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.StringVar(&cfg.Src, "src", "", "root of the golang.org/x/vulndb module (reads `dir`/data/osv)")
	fset.StringVar(&cfg.Out, "out", "", "database `dir` to create (must not exist)")
	fset.StringVar(&cfg.Version, "version", "", "golang.org/x/vulndb module `version` in -src (optional)")
	if err := fset.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if fset.NArg() > 0 {
		return &ConfigError{Field: "args", Value: strings.Join(fset.Args(), " "), Reason: "unexpected"}
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	db, err := convert(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "vulndb: wrote %s (%s)\n", cfg.Out, db)
	return nil
}

// convert reads, validates and indexes every entry of cfg.Src, then writes
// the database to cfg.Out. All refused entries are reported together.
func convert(cfg Config) (*database, error) {
	entries, err := readEntries(filepath.Join(cfg.Src, "data", "osv"))
	if err != nil {
		return nil, err
	}
	db, err := buildDatabase(entries, cfg.snapshotTime())
	if err != nil {
		return nil, err
	}
	if err := writeDatabase(cfg.Out, db); err != nil {
		return nil, err
	}
	return db, nil
}

// readEntries parses every *.json file directly in dir. An empty or missing
// directory is an error: an empty database would let every scan pass.
func readEntries(dir string) ([]*entry, error) {
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	var (
		entries []*entry
		errs    []error
	)
	for _, f := range files {
		if !f.Type().IsRegular() || filepath.Ext(f.Name()) != ".json" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			errs = append(errs, fmt.Errorf("vulndb: %w", err))
			continue
		}
		e, err := parseEntry(f.Name(), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		entries = append(entries, e)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoEntries, dir)
	}
	return entries, nil
}
