package apikey

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// MaxKeysFileSize bounds the keys file [ReadFile] reads.
const MaxKeysFileSize = 16 << 20

// ErrKeysFile is wrapped by every error reading or parsing a keys file.
var ErrKeysFile = errors.New("apikey: bad keys file")

// ReadFile reads a keys file; see [ParseFile].
func ReadFile(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeysFile, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxKeysFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrKeysFile, path, err)
	}
	if len(data) > MaxKeysFileSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrKeysFile, path, MaxKeysFileSize)
	}
	entries, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return entries, nil
}

// ParseFile parses keys file contents. Two formats are accepted:
//
//   - JSON lines, when the first non-blank byte is "{": one entry object
//     per line, blank lines ignored;
//   - YAML: a list of entries, or a mapping with a "keys:" list.
//
// Unknown fields are errors, so a misspelt "roles" cannot silently grant
// nothing. Entries are not validated here; [New] does that.
func ParseFile(data []byte) ([]Entry, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil
	}
	if trimmed[0] == '{' {
		return parseJSONLines(trimmed)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(trimmed, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeysFile, err)
	}
	var entries []Entry
	dec := yaml.NewDecoder(bytes.NewReader(trimmed))
	dec.KnownFields(true)
	var err error
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		var wrapped struct {
			Keys []Entry `yaml:"keys"`
		}
		err = dec.Decode(&wrapped)
		entries = wrapped.Keys
	} else {
		err = dec.Decode(&entries)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeysFile, err)
	}
	return entries, nil
}

func parseJSONLines(data []byte) ([]Entry, error) {
	var entries []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var e Entry
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrKeysFile, n, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%w: line %d: more than one object", ErrKeysFile, n)
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeysFile, err)
	}
	return entries, nil
}
