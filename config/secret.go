package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Secret is a value that must not be written in the file: a reference
// ${env:NAME} or ${file:PATH}, alone or inside a larger string such as a
// URL. Its resolved value is available only through [Secret.Value]; every
// other way of printing it says "[redacted]".
type Secret struct {
	ref      string
	value    string
	resolved bool
	line     int
}

var (
	refPattern = regexp.MustCompile(`\$\{(env|file):([^}]*)\}`)
	anyRef     = regexp.MustCompile(`\$\{[^}]*\}?`)
)

// UnmarshalYAML keeps the reference text; resolution happens in Load.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("a secret is a single string")
	}
	s.ref, s.line = n.Value, n.Line
	return nil
}

// MarshalYAML writes the reference back, or "[redacted]" for a literal.
func (s Secret) MarshalYAML() (any, error) {
	if s.IsReference() {
		return s.ref, nil
	}
	if s.ref == "" {
		return "", nil
	}
	return "[redacted]", nil
}

// String never reveals the value.
func (s Secret) String() string {
	if s.ref == "" {
		return ""
	}
	return "[redacted]"
}

// GoString never reveals the value, even under %#v.
func (s Secret) GoString() string { return "config.Secret{[redacted]}" }

// Value returns the resolved secret.
func (s Secret) Value() string { return s.value }

// IsSet reports whether the file gave a value.
func (s Secret) IsSet() bool { return s.ref != "" }

// IsReference reports whether the value comes from the environment or a
// file rather than the config file itself.
func (s Secret) IsReference() bool { return refPattern.MatchString(s.ref) }

// NewSecret returns a resolved secret, for configurations built in code.
func NewSecret(value string) Secret {
	return Secret{ref: "${code}", value: value, resolved: true}
}

// resolver turns references into values.
type resolver struct {
	env  func(string) (string, bool)
	read func(string) ([]byte, error)
	dir  string
}

// abs resolves a path from the file against the config file's folder.
func (r resolver) abs(p string) string {
	if filepath.IsAbs(p) || r.dir == "" {
		return p
	}
	return filepath.Join(r.dir, p)
}

var errEmptyRef = errors.New("empty reference")

func (r resolver) resolve(s *Secret) error {
	if s.resolved || s.ref == "" {
		return nil
	}
	var errs []error
	v := refPattern.ReplaceAllStringFunc(s.ref, func(m string) string {
		sub := refPattern.FindStringSubmatch(m)
		kind, name := sub[1], strings.TrimSpace(sub[2])
		if name == "" {
			errs = append(errs, fmt.Errorf("%s: %w", m, errEmptyRef))
			return ""
		}
		switch kind {
		case "env":
			val, ok := r.env(name)
			if !ok {
				errs = append(errs, fmt.Errorf("environment variable %s is not set", name))
			} else if val == "" {
				errs = append(errs, fmt.Errorf("environment variable %s is empty", name))
			}
			return val
		default:
			p := name
			if !filepath.IsAbs(p) && r.dir != "" {
				p = filepath.Join(r.dir, p)
			}
			b, err := r.read(p)
			if err == nil && len(b) > MaxSecretFileBytes || errors.Is(err, errFileTooLarge) {
				err = fmt.Errorf("larger than %d bytes", MaxSecretFileBytes)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("reading secret file %s: %w", name, unwrapPathError(err)))
				return ""
			}
			val := strings.TrimRight(string(b), "\r\n")
			if val == "" {
				errs = append(errs, fmt.Errorf("secret file %s is empty", name))
			}
			return val
		}
	})
	for _, m := range anyRef.FindAllString(s.ref, -1) {
		if !refPattern.MatchString(m) {
			errs = append(errs, fmt.Errorf("malformed reference %q: write ${env:NAME} or ${file:PATH}", m))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	s.value, s.resolved = v, true
	return nil
}

// unwrapPathError drops the path an *fs.PathError repeats.
func unwrapPathError(err error) error {
	var u interface{ Unwrap() error }
	if errors.As(err, &u) {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// MaxSecretFileBytes bounds a file a ${file:PATH} reference reads: a
// secret is never megabytes, and a mistaken path to a log file or a device
// must fail loudly rather than fill memory.
const MaxSecretFileBytes = 1 << 20

// readFileLimited reads a file the configuration names (a secret or an
// OpenAPI document), refusing one over [MaxDocumentBytes], the larger of
// the two limits; a secret is then held to [MaxSecretFileBytes]. It reads
// at most one byte past the limit, so a FIFO or /dev/zero cannot make it
// read forever.
func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", errFileTooLarge, MaxDocumentBytes)
	}
	return b, nil
}

var errFileTooLarge = errors.New("file too large")
