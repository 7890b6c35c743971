package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v4"
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

// Parse decodes and validates data as if read from file. It decodes,
// resolves references and paths and applies defaults once; validation
// then only reads the result.
func Parse(data []byte, file string, opts ...Options) (*Config, Diagnostics) {
	cfg, diags := decode(data, file, opts...)
	if cfg == nil {
		return nil, diags
	}
	v := &validator{file: file, lines: cfg.lines}
	v.config(cfg)
	return cfg, append(diags, v.diags...).sorted()
}

// decode is Parse without the validation: the configuration as the file
// and its references give it, with defaults applied.
func decode(data []byte, file string, opts ...Options) (*Config, Diagnostics) {
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
		return nil, yamlProblems(file, err, nil, nil).sorted()
	}
	if len(root.Content) == 0 {
		return nil, Diagnostics{{File: file, Message: "empty configuration"}}
	}
	lines := map[string]int{}
	at := map[position]string{}
	indexLines(root.Content[0], "", lines, at)

	cfg := &Config{File: file, Dir: dir, lines: lines}
	var diags Diagnostics
	if err := yaml.Load(data, cfg, yaml.WithKnownFields()); err != nil {
		// Unknown fields and wrong types leave the rest decoded: go on,
		// so that one run lists every problem. The keys the type does not
		// know are the errors a lenient decode does not make.
		lenient := yaml.Load(data, &Config{})
		diags = yamlProblems(file, err, lenient, at)
	}
	res := resolver{env: o.LookupEnv, read: o.ReadFile, dir: dir}
	diags = append(diags, cfg.resolve(res, lines)...)
	cfg.applyDefaults()
	return cfg, diags
}

// position is where a node starts in the file.
type position struct{ line, column int }

// yamlProblems turns the decoder's errors into located problems: each
// [*yaml.LoadError] carries the position of its node, which at maps to
// the field path. An error that strict decoding makes and lenient
// decoding does not is a key the configuration does not know.
func yamlProblems(file string, strict, lenient error, at map[position]string) Diagnostics {
	known := map[yaml.Mark]bool{}
	for _, e := range loadErrors(lenient) {
		known[e.Mark] = true
	}
	var out Diagnostics
	for _, e := range loadErrors(strict) {
		p := Problem{File: file, Line: e.Mark.Line, Path: at[position{e.Mark.Line, e.Mark.Column}], Message: e.Message}
		if !known[e.Mark] && p.Path != "" {
			p.Message = fmt.Sprintf("unknown field %q", lastKey(p.Path))
		}
		out = append(out, p)
	}
	if len(out) == 0 && strict != nil {
		out = append(out, Problem{File: file, Message: strict.Error()})
	}
	return out
}

// loadErrors lists the located errors err holds.
func loadErrors(err error) []*yaml.LoadError {
	var many *yaml.LoadErrors
	var one *yaml.LoadError
	switch {
	case errors.As(err, &many):
		return many.Errors
	case errors.As(err, &one):
		return []*yaml.LoadError{one}
	}
	return nil
}

// lastKey is the last mapping key of a field path: "max_body" of
// "server.max_body", "role" of "routes[0].role".
func lastKey(path string) string {
	return path[strings.LastIndexByte(path, '.')+1:]
}

// indexLines records the line of every mapping key and sequence item under
// its field path (server.listen, routes[2].upstream, upstreams.app.url),
// and in at the path of the key and value nodes at each position.
func indexLines(n *yaml.Node, path string, lines map[string]int, at map[position]string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			indexLines(c, path, lines, at)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			lines[p] = k.Line
			at[position{k.Line, k.Column}] = p
			at[position{v.Line, v.Column}] = p
			indexLines(v, p, lines, at)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = c.Line
			if _, ok := at[position{c.Line, c.Column}]; !ok {
				at[position{c.Line, c.Column}] = p
			}
			indexLines(c, p, lines, at)
		}
	}
	// Aliases are not followed: their lines are the anchor's, and a
	// self-referencing alias would never end.
}
