package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileBytes bounds the size of a configuration file.
const MaxFileBytes = 4 << 20

// Options change how a file is loaded; the zero value reads the real
// environment and file system.
type Options struct {
	// LookupEnv resolves ${env:NAME}; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile resolves ${file:PATH}; nil reads the file, refusing one
	// over [MaxSecretFileBytes].
	ReadFile func(string) ([]byte, error)
}

// Load reads, decodes, resolves and validates the file at path. The
// returned Config is usable only when the Diagnostics have no errors.
func Load(path string, opts ...Options) (*Config, Diagnostics) {
	data, err := readFile(path)
	if err != nil {
		return nil, Diagnostics{{File: path, Message: err.Error()}}
	}
	return Parse(data, path, opts...)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", unwrapPathError(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("config file larger than %d bytes", MaxFileBytes)
	}
	return data, nil
}

// Parse decodes and validates data as if read from file.
func Parse(data []byte, file string, opts ...Options) (*Config, Diagnostics) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.ReadFile == nil {
		o.ReadFile = readFileLimited
	}
	dir := filepath.Dir(file)
	if file == "" {
		dir = "."
	}

	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Diagnostics(yamlProblem(file, err, nil))
	}
	if len(root.Content) == 0 {
		return nil, Diagnostics{{File: file, Message: "empty configuration"}}
	}
	lines := map[string]int{}
	indexLines(root.Content[0], "", lines)

	cfg := &Config{File: file, Dir: dir, lines: lines}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	v := &validator{file: file, lines: lines, res: resolver{env: o.LookupEnv, read: o.ReadFile, dir: dir}}
	if err := dec.Decode(cfg); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Diagnostics(yamlProblem(file, err, lines)).sorted()
		}
		// Unknown fields and wrong types leave the rest decoded: go on,
		// so that one run lists every problem.
		v.diags = append(v.diags, yamlProblem(file, err, lines)...)
	}
	cfg.applyDefaults()
	cfg.resolvePaths(v.res)
	v.config(cfg)
	return cfg, v.diags.sorted()
}

var (
	linePrefix   = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	typeName     = regexp.MustCompile(`into (config\.)?(\w+|\[\]\w+|map\[\w+\]\*?\w+)$`)
)

// yamlProblem turns decoder errors into located problems.
func yamlProblem(file string, err error, lines map[string]int) []Problem {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	byLine := map[int]string{}
	for p, l := range lines {
		if old, ok := byLine[l]; !ok || len(p) > len(old) {
			byLine[l] = p
		}
	}
	var out []Problem
	for _, m := range msgs {
		p := Problem{File: file}
		if sm := linePrefix.FindStringSubmatch(m); sm != nil {
			p.Line, _ = strconv.Atoi(sm[1])
			m = sm[2]
			p.Path = byLine[p.Line]
		}
		if sm := unknownField.FindStringSubmatch(m); sm != nil {
			m = fmt.Sprintf("unknown field %q", sm[1])
		} else {
			m = typeName.ReplaceAllString(m, "into $2")
		}
		p.Message = m
		out = append(out, p)
	}
	return out
}

// indexLines records the line of every mapping key and sequence item under
// its field path: server.listen, routes[2].upstream, upstreams.app.url.
func indexLines(n *yaml.Node, path string, lines map[string]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			indexLines(c, path, lines)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			lines[p] = k.Line
			indexLines(v, p, lines)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = c.Line
			indexLines(c, p, lines)
		}
	}
	// Aliases are not followed: their lines are the anchor's, and a
	// self-referencing alias would never end.
}
